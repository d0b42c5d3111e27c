import Hummingbird
import LashupCluster
import LashupDNSServer
import LashupLB
import LashupOverlay
import LashupTasks
import Logging
import ServiceLifecycle

/// The REST API as a service of the agent's group: binds its listener inside `run` and
/// serves until shutdown, last to start and first to stop.
public struct APIService: Service {
    let settings: APISettings
    /// Builds the router inside `run` (a router is not `Sendable`).
    let makeRouter: @Sendable () -> Router<BasicRequestContext>
    let logger: Logger
    let onListening: @Sendable (String) -> Void

    /// - Parameter onListening: called with the bound `HOST:PORT` (the agent's ready line
    ///   waits for it).
    public init(_ settings: APISettings, cluster: any Cluster, introspection: any ClusterIntrospection, protocolVersion: Int,
                metrics: MetricsExporter, dns: DNSService?, balancer: LoadBalancer? = nil, overlays: Overlays? = nil, tasks: TaskAgentService? = nil, logLevel: LogLevelSetting? = nil, logger: Logger, onListening: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.makeRouter = {
            AgentRoutes.router(cluster: cluster, introspection: introspection, protocolVersion: protocolVersion, metrics: metrics, token: settings.token, dns: dns, balancer: balancer, overlays: overlays, tasks: tasks, logLevel: logLevel)
        }
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let settings = settings, onListening = onListening
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "lashup"),
            onServerRunning: { channel in
                onListening(HostPort.format(host: settings.host, port: channel.localAddress?.port ?? settings.port))
            },
            logger: logger
        )
        do {
            try await app.run()
        } catch {
            throw APIServiceError("the REST API on \(HostPort.format(host: settings.host, port: settings.port)) failed: \(error)")
        }
    }
}

/// Why the REST API could not run, in words for the operator.
public struct APIServiceError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
