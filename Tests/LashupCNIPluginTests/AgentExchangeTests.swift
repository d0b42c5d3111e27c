import Foundation
import LashupCNIPlugin
import LashupCNIProtocol
import LashupTestSupport
import Testing

/// The plugin's side of the socket: what it sends, and how each kind of agent failure comes
/// out as a CNI error. No kernel changes: the namespace is the test process's own.
@Suite("CNI agent exchange", .serialized, .onOwnThread)
struct AgentExchangeTests {
    static let ownNamespace = "/proc/self/ns/net"

    func environment(_ command: String) -> [String: String] {
        ["CNI_COMMAND": command, "CNI_CONTAINERID": "c0ffee", "CNI_NETNS": Self.ownNamespace, "CNI_IFNAME": "eth0"]
    }

    func run(_ command: String, socket: String, extra: String = "", timeout: Duration = .seconds(5)) -> PluginOutcome {
        let configuration = #"{"cniVersion":"1.1.0","name":"dcos","type":"lashup-cni","overlay":"blue","socket":"\#(socket)"\#(extra)}"#
        return LashupCNI.run(environment: environment(command), input: { () throws(CNIPluginError) in Array(configuration.utf8) },
                             options: PluginOptions(agentTimeout: timeout))
    }

    func error(_ outcome: PluginOutcome) throws -> (code: Int, message: String) {
        #expect(outcome.exitCode == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        return (try #require(object["code"] as? Int), try #require(object["msg"] as? String))
    }

    @Test("no agent: ADD and DEL fail with 11 naming the socket, STATUS with 50")
    func unreachable() throws {
        let socket = "/tmp/lashup-cni-test-absent-\(getpid()).sock"
        for (command, code) in [("ADD", 11), ("DEL", 11), ("STATUS", 50), ("GC", 11)] {
            let failure = try error(run(command, socket: socket, extra: #","cni.dev/valid-attachments":[]"#))
            #expect(failure.code == code, "\(command)")
            #expect(failure.message.contains("cannot connect to the lashup agent at \(socket)"), "\(failure.message)")
        }
    }

    @Test("an agent that accepts and never answers is given up on at the timeout")
    func silentAgent() throws {
        let agent = try FakeAgent { _ in .silence }
        let started = ContinuousClock.now
        let failure = try error(run("STATUS", socket: agent.path, timeout: .milliseconds(300)))
        // Given up at the timeout, not never: a generous bound, since a loaded machine stretches it.
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(failure.code == 50 && failure.message.contains("did not answer within"), "\(failure.message)")
    }

    @Test("an answer longer than the protocol allows, or not a response, is refused")
    func badAnswers() throws {
        let long = try FakeAgent { _ in .raw([UInt8](repeating: 0x61, count: AttachmentProtocol.maximumMessageBytes + 10)) }
        #expect(try error(run("STATUS", socket: long.path)).message.contains("more than \(AttachmentProtocol.maximumMessageBytes) bytes"))
        let garbage = try FakeAgent { _ in .raw(Array("hello\n".utf8)) }
        #expect(try error(run("STATUS", socket: garbage.path)).message.contains("not a response"))
        let mute = try FakeAgent { _ in .raw([]) }
        #expect(try error(run("STATUS", socket: mute.path)).message.contains("without answering"))
    }

    @Test("the agent's own error is passed on with its code; GC sends the valid attachments; STATUS and GC print nothing")
    func agentAnswers() throws {
        let agent = try FakeAgent { request in
            switch request.command {
            case .status: .response(.failure(50, "overlay blue: subnet not settled yet"))
            case .garbageCollect: .response(AttachmentResponse(freed: 2))
            default: .response(.failure(7, "unexpected"))
            }
        }
        let status = try error(run("STATUS", socket: agent.path))
        #expect(status.code == 50 && status.message == "overlay blue: subnet not settled yet")
        let gc = run("GC", socket: agent.path, extra: #","cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}]"#)
        #expect(gc == PluginOutcome(output: "", exitCode: 0))
        #expect(agent.requests.last == AttachmentRequest(command: .garbageCollect, overlay: "blue", containerID: "c0ffee", interfaceName: "eth0",
                                                         namespacePath: Self.ownNamespace, validAttachments: [AttachmentID(containerID: "c1", interfaceName: "eth0")]))
        let missing = try error(run("GC", socket: agent.path))
        #expect(missing.code == 7 && missing.message.contains("cni.dev/valid-attachments"))
    }

    @Test("an ADD answer without a usable address is reported, and the allocation given back")
    func unusableAllocation() throws {
        let agent = try FakeAgent { request in
            request.command == .add ? .response(AttachmentResponse(address: "9.0.3.5/33", gateway: "9.0.3.1", bridge: "d-dcos", mtu: 1420)) : .response(AttachmentResponse())
        }
        let failure = try error(run("ADD", socket: agent.path))
        #expect(failure.code == 5 && failure.message.contains("no IPv4 address with a prefix length"), "\(failure.message)")
        #expect(agent.requests.map(\.command) == [.add, .delete])
        #expect(agent.requests.first?.containerID == "c0ffee" && agent.requests.first?.interfaceName == "eth0" && agent.requests.first?.overlay == "blue")
    }

    @Test("ADD of a namespace that does not exist asks the agent nothing (code 3)")
    func missingNamespace() throws {
        let agent = try FakeAgent { _ in .response(AttachmentResponse()) }
        var environment = environment("ADD")
        environment["CNI_NETNS"] = "/run/netns/lashup-cni-test-absent"
        let configuration = #"{"cniVersion":"1.0.0","name":"dcos","socket":"\#(agent.path)"}"#
        let failure = try error(LashupCNI.run(environment: environment, input: { () throws(CNIPluginError) in Array(configuration.utf8) }))
        #expect(failure.code == 3 && failure.message.contains("/run/netns/lashup-cni-test-absent"))
        #expect(agent.requests.isEmpty)
    }
}
