import Foundation
import Hummingbird
import LashupAPI
import LashupClient
import LashupRuntime
import Logging
import Prometheus

/// One in-process agent (a single-node cluster) and its REST API on an ephemeral loopback port.
struct APIServerFixture {
    let agent: Agent
    let client: APIClient
    let serverTask: Task<Void, any Error>

    static func start(token: String? = nil) async throws -> APIServerFixture {
        let home = NSTemporaryDirectory() + "lashup-api-\(UUID().uuidString)"
        let configuration = try AgentConfiguration(
            settings: ["dev": "true", "name": "api-test", "bind": "127.0.0.1:0", "api": "127.0.0.1:0", "data_dir": "\(home)/data"],
            home: home, hostName: "unused"
        )
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        let agent = try await Agent.start(configuration, home: home, logger: logger)
        let router = AgentRoutes.router(
            cluster: AgentCluster(driver: agent.driver), introspection: AgentIntrospection(driver: agent.driver), protocolVersion: 1,
            metrics: MetricsExporter(registry: PrometheusCollectorRegistry()), token: token
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let serverTask = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw RuntimeError("the API server did not start") }
        return APIServerFixture(agent: agent, client: try APIClient(api: "127.0.0.1:\(port)", token: token), serverTask: serverTask)
    }

    func stop() async {
        serverTask.cancel()
        await agent.stop()
    }

    func put(_ path: String, _ body: String) async throws -> APIClient.Response {
        try await client.request(.PUT, path, body: Array(body.utf8))
    }
}
