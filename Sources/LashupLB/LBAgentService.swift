import LashupCluster
import LashupDNS
import Logging
import ServiceLifecycle

/// The agent's load balancer as a service of its group: follows the store until shutdown.
/// With the dataplane off (flag, `--dev`, or no CAP_NET_ADMIN, said in one line) VIPs are
/// still published, listed and named in DNS; nothing is programmed.
public struct LBAgentService: Service {
    public let balancer: LoadBalancer
    let logger: Logger

    /// - Parameter publishDNS: where the `l4lb.thisdcos.directory` records go once their
    ///   VIPs are programmed (the agent's DNS service).
    public static func make(_ settings: LBSettings, cluster: any Cluster, logger: Logger,
                            publishDNS: @escaping LoadBalancer.DNSPublisher) async throws -> LBAgentService {
        let local = await cluster.local()
        var dataplane: (any LBDataplane)?
        if let reason = settings.dataplaneOffReason {
            logger.notice("\(reason)")
        } else {
            do {
                dataplane = try KernelDataplane(ranges: settings.ranges, localAgent: local.name)
            } catch {
                // Asked for explicitly, a missing tool is an error; by default, one line and off.
                guard settings.dataplane == .auto else { throw LBServiceError("the load balancer dataplane cannot start: \(error)") }
                logger.notice("load balancer dataplane stays off: \(error)")
            }
        }
        let balancer = LoadBalancer(cluster: cluster, localName: local.name, dataplane: dataplane,
                                    verifyInterval: settings.verifyInterval,
                                    latencyWeights: settings.latencyWeights ? LatencyWeights.Settings() : nil,
                                    probeInterval: settings.probeInterval, drainTimeout: settings.drainTimeout, logger: logger, publishDNS: publishDNS)
        return LBAgentService(balancer: balancer, logger: logger)
    }

    public func run() async throws {
        let task = Task { [balancer, logger] in
            do { try await balancer.run() } catch { logger.error("load balancer stopped: \(error)") }
        }
        try? await gracefulShutdown()
        task.cancel()
        await task.value
    }
}

/// Why the load balancer could not run, in words for the operator.
public struct LBServiceError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
