import LashupCNIProtocol
import LashupCluster
import LashupNetlink
import Logging
import NIOPosix
import ServiceLifecycle

/// The agent's overlays as a service of its group: allocation, kernel state and the CNI
/// socket, until shutdown. The kernel state is left in place at shutdown, so containers keep
/// their connectivity while the agent restarts.
public struct OverlayAgentService: Service {
    public let overlays: Overlays
    let settings: OverlayAgentSettings
    let logger: Logger

    /// - Parameters:
    ///   - store: where attachments are kept (the data directory's SQLite file).
    ///   - nameservers: the agent's DNS addresses, given to containers.
    ///   - expectsPeers: the agent was given contacts (`--join`): its claims settle only while it reaches another member.
    public static func make(_ settings: OverlayAgentSettings, cluster: any Cluster, store: any AttachmentStore, nameservers: [String],
                            expectsPeers: Bool, logger: Logger) async throws -> OverlayAgentService {
        let local = await cluster.local()
        var client: RTNetlink?
        if let reason = settings.dataplaneOffReason {
            logger.notice("\(reason)")
        } else {
            do {
                client = try RTNetlink()
            } catch {
                guard settings.dataplane == .auto else { throw OverlayServiceError("the overlay dataplane cannot start: \(error)") }
                logger.notice("overlay dataplane stays off: \(error)")
            }
        }
        let manager = AttachmentManager(store: store, nameservers: nameservers, clock: { Overlays.wallClock() })
        let overlays = Overlays(settings: settings.overlays, cluster: cluster, attachments: manager, client: client, agentIP: settings.agentIP,
                                timing: settings.timing, verifyInterval: settings.verifyInterval, me: local.name, expectsPeers: expectsPeers, logger: logger)
        return OverlayAgentService(overlays: overlays, settings: settings, logger: logger)
    }

    public func run() async throws {
        var server: AttachmentSocketServer?
        if let path = settings.cniSocket {
            do {
                server = try await AttachmentSocketServer.start(path: path, manager: overlays.attachments, group: MultiThreadedEventLoopGroup.singleton,
                                                                logger: logger) { command, ok, duration in
                    let name = command?.rawValue ?? "invalid"
                    OverlayMetrics.cniRequest(name, ok: ok).increment()
                    OverlayMetrics.cniLatency(name).recordNanoseconds(Int64(duration / .nanoseconds(1)))
                }
                logger.info("overlay: CNI socket at \(path)")
            } catch {
                throw OverlayServiceError("the overlay's CNI socket \(path) cannot be opened: \(error) (give --overlay-cni-socket PATH, or none)")
            }
        }
        let task = Task { [overlays, logger] in
            do { try await overlays.run() } catch { logger.error("overlay stopped: \(error)") }
        }
        try? await gracefulShutdown()
        task.cancel()
        await task.value
        await server?.stop()
    }
}

/// Why the overlay could not run, in words for the operator.
public struct OverlayServiceError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
