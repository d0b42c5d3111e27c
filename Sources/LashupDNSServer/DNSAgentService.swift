import LashupCluster
import LashupCRDT
import LashupDNS
import Logging
import NIOPosix
import ServiceLifecycle

/// The agent's DNS as a service of its group: the resolver, the listeners, and the feed that
/// keeps the zones equal to the store's. Built from the cluster (no I/O); `run` loads the
/// zones, binds the listeners, follows the store until shutdown, then closes them.
public struct DNSAgentService: Service {
    /// The resolver and its zones, which the REST API's DNS routes serve from too.
    public let service: DNSService
    let settings: DNSSettings
    let feed: DNSZoneFeed
    let clusterID: String?
    let logger: Logger
    let onListening: @Sendable (String) -> Void

    /// Nil when DNS is off (`--dns none`).
    /// - Parameter onListening: called with the first listener's `HOST:PORT` once every
    ///   listener is bound (the agent's ready line waits for it).
    public static func make(_ settings: DNSSettings, cluster: any Cluster, logger: Logger, onListening: @escaping @Sendable (String) -> Void) async -> DNSAgentService? {
        guard let nameServer = settings.listen.first else { return nil }
        let local = await cluster.local()
        let router = QueryRouter(upstreams: settings.upstreams, forwardZones: settings.forwardZones, clusterID: local.clusterID)
        let zones = ZoneTable.localZones(
            nameServerAddress: IPAddress(nameServer.host), nodeAddress: HostPort.parse(local.address).flatMap { IPAddress($0.host) },
            publicAddresses: local.metadata.publicIPs.compactMap(IPAddress.init), serial: 1
        )
        let service = DNSService(resolver: Resolver(router: router, order: settings.order), localZones: zones, logger: logger)
        return DNSAgentService(
            service: service, settings: settings, feed: DNSZoneFeed(cluster: cluster, service: service, logger: logger),
            clusterID: local.clusterID, logger: logger, onListening: onListening
        )
    }

    public func run() async throws {
        let loaded: DNSZoneFeed.Following
        do {
            loaded = try await feed.load()
        } catch {
            throw DNSServiceError("could not read the DNS zones from the store: \(error)")
        }
        let server: DNSServer
        do {
            server = try await DNSServer.start(service: service, addresses: settings.listen, group: MultiThreadedEventLoopGroup.singleton)
        } catch {
            let addresses = settings.listen.map { HostPort.format(host: $0.host, port: $0.port) }.joined(separator: ",")
            throw DNSServiceError("could not listen for DNS on \(addresses): \(error) (choose others with --dns, or --dns none)")
        }
        if let clusterID { logger.info("DNS answers *.<zone>.\(clusterID).dcos.directory as <zone>.thisdcos.directory") }
        if settings.upstreams.isEmpty {
            logger.notice("DNS has no upstream resolvers: names outside the cluster's zones get SERVFAIL (set --upstream)")
        }
        let first = server.addresses[0]
        onListening(HostPort.format(host: first.ipAddress ?? "?", port: first.port ?? 0))
        let feedTask = Task { [feed] in await feed.follow(loaded) }
        try? await gracefulShutdown()
        // Cancelling ends the feed at once (its slot is freed); then the listeners close.
        feedTask.cancel()
        await feedTask.value
        await server.stop()
    }
}

/// Why the DNS service could not run, in words for the operator.
public struct DNSServiceError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
