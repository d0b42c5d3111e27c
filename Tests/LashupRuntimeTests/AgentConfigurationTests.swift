import Foundation
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
        #expect(configuration.apiHost == "127.0.0.1" && configuration.apiPort == 62080)
        #expect(configuration.dataDirectory == "/home/op/.lashup/data/host-1")
        #expect(configuration.join.isEmpty)
    }

    @Test("join lists, TLS triples and tokens are checked")
    func checks() throws {
        let joined = try resolve(dev.merging(["join": "10.0.0.1:1, 10.0.0.2:2"]) { $1 })
        #expect(joined.join == ["10.0.0.1:1", "10.0.0.2:2"])
        #expect(throws: RuntimeError.self) { try resolve(dev.merging(["join": "10.0.0.1"]) { $1 }) }
        #expect(throws: RuntimeError.self) { try resolve(dev.merging(["tls_ca": "/ca.pem"]) { $1 }) }
        #expect(throws: RuntimeError.self) { try resolve(dev.merging(["bind": "0.0.0.0:1"]) { $1 }) }
        #expect(throws: RuntimeError.self) { try resolve(dev.merging(["api": "10.0.0.1:80"]) { $1 }) }
        let open = try resolve(dev.merging(["api": "10.0.0.1:80", "api_token": "s3cret"]) { $1 })
        #expect(open.apiToken == "s3cret")
        #expect(throws: RuntimeError.self) { try resolve([:]) }
    }

    @Test("a config file's settings are read; unknown settings and bad JSON are errors naming the file")
    func file() throws {
        let path = NSTemporaryDirectory() + "lashup-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"name": "from-file", "join": ["10.0.0.1:1", "10.0.0.2:2"], "dev": true}"#.utf8).write(to: URL(fileURLWithPath: path))
        var settings = try AgentConfiguration.settings(fromFile: path)
        #expect(settings["name"] == "from-file" && settings["join"] == "10.0.0.1:1,10.0.0.2:2")
        // Environment over file, as the agent merges them.
        settings.merge(AgentConfiguration.settings(fromEnvironment: ["LASHUP_NAME": "from-env", "OTHER": "x"])) { $1 }
        let configuration = try resolve(settings)
        #expect(configuration.name == "from-env" && configuration.development)

        try Data(#"{"nmae": "typo"}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect { try AgentConfiguration.settings(fromFile: path) } throws: { "\($0)".contains("unknown setting \"nmae\"") }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try AgentConfiguration.settings(fromFile: path) } throws: { "\($0)".contains("not valid JSON") }
    }
}
