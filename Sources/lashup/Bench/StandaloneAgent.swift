import Foundation
import LashupRuntime
import Logging

/// A single-node agent on loopback, with a development CA of its own under the data
/// directory: what `bench store` and the durability test's writer run, so both measure and
/// prove the agent's own durable-write path, not a copy of it.
enum StandaloneAgent {
    static func start(dataDirectory: String, name: String) async throws -> Agent {
        let home = dataDirectory + "/.standalone-home"
        let configuration = try AgentConfiguration(
            settings: ["dev": "true", "name": name, "bind": "127.0.0.1:0", "data_dir": dataDirectory],
            home: home, hostName: name
        )
        var logger = Logger(label: "lashup-\(name)")
        logger.logLevel = .error
        return try await Agent.start(configuration, home: home, logger: logger)
    }
}
