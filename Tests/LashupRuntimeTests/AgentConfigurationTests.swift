import Foundation
import LashupCluster
import LashupRuntime
import Testing

@Suite("Agent configuration")
struct AgentConfigurationTests {
    let dev = ["dev": "true"]

    func resolve(_ settings: [String: String]) throws(RuntimeError) -> AgentConfiguration {
        try AgentConfiguration(settings: settings, home: "/home/op", hostName: "host-1")
    }

    @Test("defaults: host name, loopback gossip and API, dev data directory under home")
    func defaults() throws {
        let configuration = try resolve(dev)
        #expect(configuration.name == "host-1")
        #expect(configuration.bindHost == "127.0.0.1" && configuration.bindPort == 62001)
        #expect(configuration.dataDirectory == "/home/op/.lashup/data/host-1")
        #expect(configuration.join.isEmpty)
    }

    @Test("join lists and TLS triples are checked")
    func checks() throws {
        let joined = try resolve(dev.merging(["join": "10.0.0.1:1, 10.0.0.2:2"]) { $1 })
        #expect(joined.join == ["10.0.0.1:1", "10.0.0.2:2"])
        #expect(throws: RuntimeError.self) { try resolve(dev.merging(["join": "10.0.0.1"]) { $1 }) }
        #expect(throws: RuntimeError.self) { try resolve(dev.merging(["tls_ca": "/ca.pem"]) { $1 }) }
        #expect(throws: RuntimeError.self) { try resolve(dev.merging(["bind": "0.0.0.0:1"]) { $1 }) }
        #expect(throws: RuntimeError.self) { try resolve([:]) }
    }

    @Test("a config file's settings are read; environment over file, flags over both; unknown settings and bad JSON are errors naming the file")
    func file() throws {
        let path = NSTemporaryDirectory() + "lashup-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"name": "from-file", "join": ["10.0.0.1:1", "10.0.0.2:2"], "dev": true, "cluster": "file-cluster", "bind": "127.0.0.1:7"}"#.utf8).write(to: URL(fileURLWithPath: path))
        let file = try SettingsFile.read(path)
        #expect(file["name"] == "from-file" && file["join"] == "10.0.0.1:1,10.0.0.2:2")
        let settings = ServiceSettings(
            flags: ["cluster": "from-flag"], environment: ["LASHUP_NAME": "from-env", "LASHUP_CLUSTER": "env-cluster", "OTHER": "x"],
            file: file, fileName: path
        )
        let configuration = try AgentConfiguration(settings, home: "/home/op", hostName: "host-1")
        #expect(configuration.name == "from-env" && configuration.development)
        #expect(configuration.cluster == "from-flag" && configuration.bindPort == 7)
        try SettingsFile.checkAllRead(settings)

        try Data(#"{"nmae": "typo", "dev": true}"#.utf8).write(to: URL(fileURLWithPath: path))
        let typo = ServiceSettings(file: try SettingsFile.read(path), fileName: path)
        _ = try AgentConfiguration(typo, home: "/home/op", hostName: "host-1")
        #expect { try SettingsFile.checkAllRead(typo) } throws: { "\($0)".contains("unknown setting \"nmae\"") && "\($0)".contains(path) }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try SettingsFile.read(path) } throws: { "\($0)".contains("not valid JSON") }
    }
}
