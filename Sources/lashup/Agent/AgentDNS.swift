import LashupCluster
import LashupCRDT
import LashupDNS
import LashupDNSServer
import LashupRuntime
import Logging
import NIOPosix
import ServiceLifecycle

/// The agent's DNS: the service, its listeners and the feed that keeps its zones equal to the
/// store's. Runs until shutdown, then closes the listeners.
struct AgentDNS: Service {
    let service: DNSService
    let server: DNSServer
    let feed: DNSZoneFeed
    let loaded: DNSZoneFeed.Following

    /// Binds the listeners (an error names the address) and prepares the feed.
    static func start(_ settings: DNSSettings, agent: Agent, logger: Logger) async throws(RuntimeError) -> AgentDNS? {
        guard !settings.listen.isEmpty else { return nil }
        let router = QueryRouter(upstreams: settings.upstreams, forwardZones: settings.forwardZones, clusterID: agent.clusterID)
        let nodeAddress = HostPort.parse(agent.advertisedAddress).flatMap { IPAddress($0.host) }
        let local = ZoneTable.localZones(nameServerAddress: IPAddress(settings.listen[0].host), nodeAddress: nodeAddress, publicAddresses: agent.configuration.publicIPs.compactMap(IPAddress.init), serial: 1)
        let service = DNSService(resolver: Resolver(router: router, order: settings.order), localZones: local, logger: logger)
        let feed = DNSZoneFeed(cluster: AgentCluster(driver: agent.driver), service: service, logger: logger)
        let loaded: DNSZoneFeed.Following
        do {
            loaded = try await feed.load()
        } catch {
            throw RuntimeError("could not read the DNS zones from the store: \(error)")
        }
        let server: DNSServer
        do {
            server = try await DNSServer.start(service: service, addresses: settings.listen, group: MultiThreadedEventLoopGroup.singleton)
        } catch {
            let addresses = settings.listen.map { HostPort.format(host: $0.host, port: $0.port) }.joined(separator: ",")
            throw RuntimeError("could not listen for DNS on \(addresses): \(error) (choose others with --dns, or --dns none)")
        }
        if let id = agent.clusterID { logger.info("DNS answers *.<zone>.\(id).dcos.directory as <zone>.thisdcos.directory") }
        if settings.upstreams.isEmpty {
            logger.notice("DNS has no upstream resolvers: names outside the cluster's zones get SERVFAIL (set --upstream)")
        }
        return AgentDNS(service: service, server: server, feed: feed, loaded: loaded)
    }

    /// `HOST:PORT` of the first listener, for the ready line.
    var address: String {
        let first = server.addresses[0]
        return HostPort.format(host: first.ipAddress ?? "?", port: first.port ?? 0)
    }

    func run() async throws {
        let feedTask = Task { [feed, loaded] in await feed.follow(loaded) }
        try? await gracefulShutdown()
        // Cancelling ends the feed at once (its slot is freed); then the listeners close.
        feedTask.cancel()
        await feedTask.value
        await server.stop()
    }
}
