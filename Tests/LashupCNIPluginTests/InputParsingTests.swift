import LashupCNIPlugin
import LashupCNIProtocol
import Testing

/// The environment and the network configuration: what is accepted, and the code and
/// message of what is not.
@Suite("CNI input parsing")
struct InputParsingTests {
    let add = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "c0ffee-1", "CNI_NETNS": "/run/netns/c1", "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin:/usr/libexec/cni"]

    func rejection(_ environment: [String: String]) -> CNIPluginError? {
        #expect(throws: CNIPluginError.self) { try CNIEnvironment(environment) }
    }

    @Test("a complete ADD environment is read whole")
    func completeEnvironment() throws {
        let environment = try CNIEnvironment(add)
        #expect(environment.command == .add)
        #expect(environment.attachment == AttachmentID(containerID: "c0ffee-1", interfaceName: "eth0"))
        #expect(environment.namespacePath == "/run/netns/c1")
        #expect(environment.pluginPaths == ["/opt/cni/bin", "/usr/libexec/cni"])
    }

    @Test("a missing or unknown command, or a missing id, name or namespace, is code 4 naming the variable")
    func invalidEnvironment() throws {
        for (environment, named) in [
            ([String: String](), "CNI_COMMAND"),
            (add.merging(["CNI_COMMAND": "FROB"]) { $1 }, "FROB"),
            (add.merging(["CNI_CONTAINERID": ""]) { $1 }, "CNI_CONTAINERID"),
            (add.filter { $0.key != "CNI_IFNAME" }, "CNI_IFNAME"),
            (add.filter { $0.key != "CNI_NETNS" }, "CNI_NETNS"),
            (add.merging(["CNI_IFNAME": "much-too-long-name0"]) { $1 }, "15 bytes"),
            (add.merging(["CNI_IFNAME": "a/b"]) { $1 }, "'/'"),
            (add.merging(["CNI_CONTAINERID": "-leading-dash"]) { $1 }, "not a container id"),
        ] {
            let error = rejection(environment)
            #expect(error?.code == CNIErrorCode.invalidEnvironment)
            #expect(error?.message.contains(named) == true, "\(error?.message ?? "no error")")
        }
    }

    @Test("DEL needs no namespace (it may be gone); GC, STATUS and VERSION need no attachment")
    func relaxedCommands() throws {
        #expect(try CNIEnvironment(add.merging(["CNI_COMMAND": "DEL", "CNI_NETNS": ""]) { $1 }).namespacePath == nil)
        for command in ["GC", "STATUS", "VERSION"] {
            #expect(try CNIEnvironment(["CNI_COMMAND": command]).attachment == nil)
        }
    }

    @Test("a configuration: the spec's fields, ours with their defaults, GC's valid attachments")
    func configuration() throws {
        let minimal = try NetworkConfiguration(decoding: Array(#"{"cniVersion":"1.0.0","name":"dcos","type":"lashup-cni","ipam":{"x":1}}"#.utf8))
        #expect(minimal == NetworkConfiguration(cniVersion: CNIVersion(1, 0, 0), name: "dcos", type: "lashup-cni"))
        #expect(minimal.socketPath == "/run/lashup/cni.sock" && minimal.overlay == "dcos")

        let full = try NetworkConfiguration(decoding: Array("""
            {"cniVersion":"1.1.0","name":"net","type":"lashup-cni","overlay":"blue","socket":"/tmp/a.sock",
             "cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"},{"containerID":"c2","ifname":"net1"}],
             "prevResult":{"cniVersion":"1.1.0","interfaces":[]}}
            """.utf8))
        #expect(full.overlay == "blue" && full.socketPath == "/tmp/a.sock")
        #expect(full.validAttachments == [AttachmentID(containerID: "c1", interfaceName: "eth0"), AttachmentID(containerID: "c2", interfaceName: "net1")])
    }

    @Test("not JSON is code 6; a missing or mistyped field 7; an unsupported version 1", arguments: [
        (#"{"cniVersion": "1.0.0", "#, CNIErrorCode.decodingFailure, "not JSON"),
        ("", CNIErrorCode.decodingFailure, "not JSON"),
        (#"{"name":"x"}"#, CNIErrorCode.invalidConfiguration, "cniVersion is missing"),
        (#"{"cniVersion":1,"name":"x"}"#, CNIErrorCode.invalidConfiguration, "cniVersion is not a string"),
        (#"{"cniVersion":"1.0.0","name":"x","cni.dev/valid-attachments":[{"containerID":"c"}]}"#, CNIErrorCode.invalidConfiguration, "ifname is missing"),
        (#"{"cniVersion":"1.0","name":"x"}"#, CNIErrorCode.invalidConfiguration, "not a version"),
        (#"{"cniVersion":"0.2.0","name":"x"}"#, CNIErrorCode.incompatibleVersion, "0.2.0 is not supported"),
        (#"{"cniVersion":"2.0.0","name":"x"}"#, CNIErrorCode.incompatibleVersion, "2.0.0 is not supported"),
        (#"{"cniVersion":"1.0.0","name":"x","socket":"run/cni.sock"}"#, CNIErrorCode.invalidConfiguration, "not an absolute path"),
    ])
    func invalidConfiguration(text: String, code: Int, message: String) {
        let error = #expect(throws: CNIPluginError.self) { try NetworkConfiguration(decoding: Array(text.utf8)) }
        #expect(error?.code == code)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test("a configuration longer than 1 MiB is refused before it is parsed")
    func oversizedConfiguration() {
        let error = #expect(throws: CNIPluginError.self) { try NetworkConfiguration(decoding: [UInt8](repeating: 0x20, count: NetworkConfiguration.maximumBytes + 1)) }
        #expect(error?.code == CNIErrorCode.decodingFailure)
    }

    @Test("versions parse, order and say which are supported")
    func versions() {
        #expect(CNIVersion("0.4.0")! < CNIVersion("1.0.0")! && CNIVersion("1.0.0")! < CNIVersion("1.1.0")!)
        #expect(CNIVersion("1.1") == nil && CNIVersion("a.b.c") == nil && CNIVersion("1.-1.0") == nil)
        #expect(CNIVersion.supported.map(\.description) == ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
        #expect(!CNIVersion(0, 2, 0).isSupported)
    }
}
