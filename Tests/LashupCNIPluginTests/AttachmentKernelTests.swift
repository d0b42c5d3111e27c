import Foundation
import LashupCNIPlugin
import LashupCNIProtocol
import LashupCRDT
import LashupNetlink
import LashupTestSupport
import Testing

/// ADD, CHECK and DEL against a fake agent, for real: a "host" namespace of the test's own
/// with the overlay's bridge, and a container namespace. Both are deleted when a test ends,
/// failures included, and every veth with them.
@Suite("CNI in network namespaces", .onOwnThread, .enabled(if: TestNamespace.canRun, "needs root and iproute2 to create network namespaces"))
struct AttachmentKernelTests {
    static let allocation = AttachmentResponse(address: "10.77.3.5/24", gateway: "10.77.3.1", bridge: "br-cni", mtu: 1420, nameservers: ["10.77.3.1", "198.51.100.53"])

    /// A host namespace with a bridge, a container namespace, and an agent that answers.
    struct Fixture {
        let host: TestNamespace
        let container: TestNamespace
        let agent: FakeAgent
        let containerID = "4f1c0d2e9a"

        init(allocation: AttachmentResponse = AttachmentKernelTests.allocation, bridge: String? = "br-cni") throws {
            host = try TestNamespace("cni-host")
            container = try TestNamespace("cni-ctr")
            if let bridge {
                try host.run(["link", "add", bridge, "type", "bridge"])
                try host.run(["link", "set", bridge, "up"])
            }
            agent = try FakeAgent { request in
                switch request.command {
                case .add, .check: .response(allocation)
                case .delete, .garbageCollect, .status: .response(AttachmentResponse())
                }
            }
        }

        var hostVeth: String { HostVethName.host(containerID: containerID, interfaceName: "eth0") }

        func run(_ command: String, version: String = "1.1.0", namespace: String? = nil) -> PluginOutcome {
            let environment = ["CNI_COMMAND": command, "CNI_CONTAINERID": containerID, "CNI_NETNS": namespace ?? container.path, "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin"]
            let configuration = #"{"cniVersion":"\#(version)","name":"dcos","type":"lashup-cni","socket":"\#(agent.path)"}"#
            return LashupCNI.run(environment: environment, input: { () throws(CNIPluginError) in Array(configuration.utf8) },
                                 options: PluginOptions(hostNamespace: host.path, agentTimeout: .seconds(5)))
        }
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("ADD makes the container's interface with address, MTU and default route, its host end a bridge port; CHECK passes; DEL removes it, twice")
    func lifecycle() throws {
        let fixture = try Fixture()
        let added = fixture.run("ADD")
        try #require(added.exitCode == 0, "\(added.output)")

        let result = try json(added.output)
        let interfaces = try #require(result["interfaces"] as? [[String: Any]])
        #expect(interfaces.count == 2)
        #expect(interfaces[0]["name"] as? String == fixture.hostVeth && interfaces[0]["sandbox"] == nil)
        #expect(interfaces[1]["name"] as? String == "eth0" && interfaces[1]["sandbox"] as? String == fixture.container.path)
        #expect(interfaces.allSatisfy { ($0["mac"] as? String).flatMap(MACAddress.init) != nil }, "both ends carry a MAC")
        let ips = try #require(result["ips"] as? [[String: Any]])
        #expect(ips.count == 1 && ips[0]["address"] as? String == "10.77.3.5/24" && ips[0]["gateway"] as? String == "10.77.3.1" && ips[0]["interface"] as? Int == 1)
        #expect((result["routes"] as? [[String: String]]) == [["dst": "0.0.0.0/0", "gw": "10.77.3.1"]])
        #expect((result["dns"] as? [String: [String]]) == ["nameservers": ["10.77.3.1", "198.51.100.53"]])

        // The kernel, read back in the container and on the host.
        let container = try RTNetlink(namespace: fixture.container.path)
        let eth0 = try #require(try container.links().first { $0.name == "eth0" })
        #expect(eth0.mtu == 1420 && eth0.up)
        #expect(eth0.mac?.description == interfaces[1]["mac"] as? String)
        #expect(try container.links().first { $0.name == "lo" }?.up == true)
        #expect(try container.addresses().contains(InterfaceAddress(interface: "eth0", prefix: IPPrefix("10.77.3.5/24")!)))
        #expect(try container.routes(.v4).contains { $0.destination.length == 0 && $0.gateway == IPAddress("10.77.3.1") && $0.device == "eth0" && $0.table == 254 })
        #expect(try fixture.container.run(["route", "show", "default"]).contains("default via 10.77.3.1 dev eth0"))
        let host = try RTNetlink(namespace: fixture.host.path)
        let hostEnd = try #require(try host.links().first { $0.name == fixture.hostVeth })
        #expect(hostEnd.master == "br-cni" && hostEnd.up && hostEnd.mtu == 1420)
        #expect(try host.links().filter { $0.name.hasPrefix(HostVethName.prefix) }.count == 1, "one host end, no other veth left in the host")

        // A repeated ADD is the same attachment, not a failure.
        #expect(fixture.run("ADD") == added)
        #expect(fixture.run("CHECK") == PluginOutcome(output: "", exitCode: 0))

        // Drift is named by CHECK, and a repeated ADD repairs it.
        try fixture.container.run(["addr", "flush", "dev", "eth0"])
        let check = fixture.run("CHECK")
        #expect(check.exitCode == 1 && check.output.contains("eth0 does not have the address 10.77.3.5/24"), "\(check.output)")
        #expect(fixture.run("ADD") == added)
        #expect(fixture.run("CHECK").exitCode == 0)

        #expect(fixture.run("DEL") == PluginOutcome(output: "", exitCode: 0))
        #expect(try !host.links().contains { $0.name == fixture.hostVeth })
        #expect(try !container.links().contains { $0.name == "eth0" }, "deleting the host end took the container's with it")
        #expect(fixture.run("DEL") == PluginOutcome(output: "", exitCode: 0), "DEL of what is gone succeeds")
        #expect(fixture.agent.requests.map(\.command) == [.add, .add, .check, .check, .add, .check, .delete, .delete])
        #expect(fixture.agent.requests.allSatisfy { $0.containerID == fixture.containerID && $0.interfaceName == "eth0" && $0.overlay == "dcos" })

        // The address is the agent's until it hears DEL: no agent, no DEL.
        fixture.agent.stop()
        #expect(fixture.run("DEL").output.contains(#""code":11"#))
    }

    @Test("dual stack: the IPv6 address and default route join the IPv4 ones, and CHECK sees both")
    func dualStack() throws {
        var allocation = Self.allocation
        allocation.address6 = "fd77:3::5/64"
        allocation.gateway6 = "fd77:3::1"
        let fixture = try Fixture(allocation: allocation)
        let added = fixture.run("ADD")
        try #require(added.exitCode == 0, "\(added.output)")
        let result = try json(added.output)
        #expect((result["ips"] as? [[String: Any]])?.compactMap { $0["address"] as? String } == ["10.77.3.5/24", "fd77:3::5/64"])
        #expect((result["routes"] as? [[String: String]]) == [["dst": "0.0.0.0/0", "gw": "10.77.3.1"], ["dst": "::/0", "gw": "fd77:3::1"]])
        let container = try RTNetlink(namespace: fixture.container.path)
        #expect(try container.addresses().contains(InterfaceAddress(interface: "eth0", prefix: IPPrefix("fd77:3::5/64")!)))
        #expect(try container.routes(.v6).contains { $0.destination.length == 0 && $0.gateway == IPAddress("fd77:3::1") && $0.device == "eth0" })
        #expect(fixture.run("CHECK") == PluginOutcome(output: "", exitCode: 0))
        #expect(fixture.run("ADD") == added)
        #expect(fixture.run("DEL").exitCode == 0)
    }

    @Test("0.4.0 results tag the IP version; CHECK is refused under 0.4.0")
    func olderVersions() throws {
        let fixture = try Fixture()
        let added = fixture.run("ADD", version: "0.4.0")
        try #require(added.exitCode == 0, "\(added.output)")
        #expect(added.output.contains(#""cniVersion":"0.4.0""#) && added.output.contains(#""version":"4""#))
        let check = fixture.run("CHECK", version: "0.3.1")
        #expect(check.exitCode == 1 && check.output.contains(#""code":1"#))
    }

    @Test("a missing bridge is 11 naming it, and the failed ADD leaves no veth and no address behind")
    func missingBridge() throws {
        let fixture = try Fixture(bridge: nil)
        let added = fixture.run("ADD")
        #expect(added.exitCode == 1 && added.output.contains(#""code":11"#) && added.output.contains("bridge br-cni"), "\(added.output)")
        #expect(try !RTNetlink(namespace: fixture.host.path).links().contains { $0.name.hasPrefix(HostVethName.prefix) })
        #expect(fixture.agent.requests.map(\.command) == [.add, .delete], "the allocation was given back")
    }

    @Test("a failure after the veth was made undoes it: a default route the kernel refuses")
    func undoAfterKernelFailure() throws {
        // The kernel refuses a multicast gateway ("invalid gateway"), after the veth, the
        // address and the bridge port are done.
        var allocation = Self.allocation
        allocation.gateway = "224.0.0.5"
        let fixture = try Fixture(allocation: allocation)
        let added = fixture.run("ADD")
        #expect(added.exitCode == 1 && added.output.contains("route 0.0.0.0/0"), "\(added.output)")
        #expect(try !RTNetlink(namespace: fixture.host.path).links().contains { $0.name == fixture.hostVeth })
        #expect(try !RTNetlink(namespace: fixture.container.path).links().contains { $0.name == "eth0" })
        #expect(fixture.agent.requests.map(\.command) == [.add, .delete])
    }

    @Test("DEL after the container's namespace is gone succeeds and frees the address")
    func deleteAfterNamespaceGone() throws {
        let fixture = try Fixture()
        try #require(fixture.run("ADD").exitCode == 0)
        try TestNamespace.ip(["netns", "del", fixture.container.name])
        #expect(fixture.run("DEL") == PluginOutcome(output: "", exitCode: 0))
        #expect(fixture.run("DEL", namespace: "") == PluginOutcome(output: "", exitCode: 0), "a runtime may send no namespace at all")
        #expect(try !RTNetlink(namespace: fixture.host.path).links().contains { $0.name == fixture.hostVeth })
        #expect(fixture.agent.requests.map(\.command) == [.add, .delete, .delete])
    }
}
