import LashupCluster
import LashupMembership
import LashupNode
import LashupWire
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Node-to-node connections over TCP with mutual TLS and the LashupWire framing.
///
/// A node sends only on connections it dialled and receives on any, so two nodes never race
/// to pick one shared connection. Frames for a peer being dialled wait in a bounded queue; a
/// peer's connection failing is reported to the node as `connectionLost`. A contact given only
/// by address is dialled under a placeholder id and re-filed under the id its hello names.
public final class Transport: Sendable {
    struct Outbound {
        var generation: UInt64
        var channel: (any Channel)?
        var queue: [Frame] = []
        var queuedBytes = 0
        var inFlightBytes = 0
    }

    struct State {
        var outbound: [NodeID: Outbound] = [:]
        var inbound: [ObjectIdentifier: any Channel] = [:]
        var nextGeneration: UInt64 = 0
        var statistics = TransportStatistics()
        var hello: Hello?
        var server: (any Channel)?
        var closing = false
        var contactReports = ContactDialReport()
        /// The same rate limit for certificate refusals, per remote host and cause.
        var certificateReports = ContactDialReport()
    }

    let group: any EventLoopGroup
    /// The TLS identity new connections use; replaced by a certificate reload (connections
    /// already open keep the one they were made with).
    let tlsBox: Mutex<ClusterTLS>
    var tls: ClusterTLS { tlsBox.withLock { $0 } }
    let limits: TransportLimits
    let logger: Logger
    let deliver: @Sendable (ClusterInput) -> Void
    let state = Mutex(State())

    /// - Parameter deliver: receives messages and lost connections, in order per connection.
    /// Makes later connections (accepted and dialled) use `tls`.
    public func replaceTLS(_ tls: ClusterTLS) { tlsBox.withLock { $0 = tls } }

    public init(group: any EventLoopGroup, tls: ClusterTLS, limits: TransportLimits = TransportLimits(), logger: Logger, deliver: @escaping @Sendable (ClusterInput) -> Void) {
        self.group = group
        tlsBox = Mutex(tls)
        self.limits = limits
        self.logger = logger
        self.deliver = deliver
    }

    /// Listens on `host:port` (port 0 picks a free one); returns the bound address.
    public func listen(host: String, port: Int) async throws(RuntimeError) -> SocketAddress {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { () throws in
                    guard self.admitInbound(channel) else { throw ChannelError.ioOnClosedChannel }
                    try self.addHandlers(to: channel, tls: NIOSSLServerHandler(context: self.tls.server), role: .inbound)
                }
            }
        do {
            let server = try await bootstrap.bind(host: host, port: port).get()
            state.withLock { $0.server = server }
            guard let address = server.localAddress else { throw RuntimeError("listener on \(host):\(port) has no address") }
            return address
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("cannot listen for gossip on \(host):\(port): \(error)")
        }
    }

    /// Sets who this node says it is in every hello. Must precede the first connection.
    public func identify(as hello: Hello) { state.withLock { $0.hello = hello } }

    var localHello: Hello? { state.withLock { $0.hello } }

    public var statistics: TransportStatistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.outboundConnections = state.outbound.values.filter { $0.channel != nil }.count
            statistics.inboundConnections = state.inbound.count
            statistics.queuedBytes = state.outbound.values.reduce(0) { $0 + $1.queuedBytes + $1.inFlightBytes }
            return statistics
        }
    }

    /// Sends `message` to `peer`, dialling it first if needed. Never blocks; a frame that does
    /// not fit the peer's queue is dropped and counted.
    public func send(_ message: ClusterMessage, to peer: Peer) {
        let frame = message.frame
        let size = Frame.headerBytes + frame.payload.readableBytes
        enum Action { case none, write(any Channel, UInt64), dial(UInt64) }
        let action: Action = state.withLock { state in
            if state.closing { return .none }
            guard var entry = state.outbound[peer.id] else {
                state.nextGeneration += 1
                var entry = Outbound(generation: state.nextGeneration)
                entry.queue = [frame]
                entry.queuedBytes = size
                state.outbound[peer.id] = entry
                state.statistics.dials += 1
                return .dial(state.nextGeneration)
            }
            if let channel = entry.channel {
                guard entry.inFlightBytes + size <= limits.maximumQueuedBytesPerPeer else {
                    state.statistics.framesDropped += 1
                    return .none
                }
                entry.inFlightBytes += size
                state.outbound[peer.id] = entry
                return .write(channel, entry.generation)
            }
            guard entry.queuedBytes + size <= limits.maximumQueuedBytesPerPeer else {
                state.statistics.framesDropped += 1
                return .none
            }
            entry.queue.append(frame)
            entry.queuedBytes += size
            state.outbound[peer.id] = entry
            return .none
        }
        switch action {
        case .none: break
        case let .write(channel, generation): write(frame, size: size, on: channel, key: peer.id, generation: generation)
        case let .dial(generation): dial(peer, generation: generation)
        }
    }

    /// Closes this node's connection to `node` without reporting it lost.
    public func disconnect(_ node: NodeID) {
        let channel = state.withLock { $0.outbound.removeValue(forKey: node)?.channel }
        channel?.close(promise: nil)
    }

    /// Closes the listener and every connection.
    public func shutdown() async {
        let channels: [any Channel] = state.withLock { state in
            state.closing = true
            var all = state.outbound.values.compactMap(\.channel) + Array(state.inbound.values)
            if let server = state.server { all.append(server) }
            state.outbound.removeAll()
            return all
        }
        for channel in channels { try? await channel.close() }
    }

    func write(_ frame: Frame, size: Int, on channel: any Channel, key: NodeID, generation: UInt64) {
        channel.writeAndFlush(frame).whenComplete { [self] result in
            state.withLock { state in
                if state.outbound[key]?.generation == generation { state.outbound[key]?.inFlightBytes -= size }
                switch result {
                case .success:
                    state.statistics.framesSent += 1
                    state.statistics.bytesSent += size
                case .failure:
                    state.statistics.framesDropped += 1
                }
            }
        }
    }

    func dial(_ peer: Peer, generation: UInt64) {
        guard let (host, port) = HostPort.parse(peer.address) else {
            if Self.isContact(peer) {
                reportContactFailure(peer, cause: "is not HOST:PORT")
            } else {
                logger.warning("cannot dial \(peer): address is not HOST:PORT")
            }
            dialFailed(peer.id, generation: generation)
            return
        }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(limits.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { () throws in
                    let handler = try NIOSSLClientHandler(context: self.tls.client, serverHostname: nil)
                    try self.addHandlers(to: channel, tls: handler, role: .outbound(requested: peer.id, generation: generation))
                }
            }
        bootstrap.connect(host: host, port: port).whenComplete { [self] result in
            switch result {
            case .success:
                if Self.isContact(peer) { state.withLock { $0.contactReports.reached(peer.address) } }
            case let .failure(error):
                logger.debug("dial failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
                reportContactFailure(peer, cause: ContactDialReport.cause(of: error, timeout: limits.connectTimeout))
                dialFailed(peer.id, generation: generation)
            }
        }
    }

    /// Join contacts are dialled under a placeholder name (`join:ADDRESS`) until their hello
    /// names them.
    static func isContact(_ peer: Peer) -> Bool { peer.id.name.hasPrefix("join:") }

    /// Warns, rate-limited per contact and cause, that a join contact cannot be dialled.
    func reportContactFailure(_ peer: Peer, cause: String) {
        guard Self.isContact(peer) else { return }
        let report = state.withLock { $0.contactReports.shouldReport(peer.address, cause: cause, now: .now()) }
        guard report else { return }
        let backoff = MembershipConfig().rejoinBackoffMaximum.components.seconds
        logger.warning("join contact \(peer.address) \(cause); retrying while this node has no neighbours (every ≤ \(backoff) s)")
    }

    /// Warns, at most once a minute per remote host and line, that a TLS handshake failed on a
    /// certificate (peers redial every few seconds), and counts every such failure.
    func reportCertificateFailure(_ line: String, remote: String) {
        let report = state.withLock { state -> Bool in
            state.statistics.certificateRefusals += 1
            return state.certificateReports.shouldReport(remote, cause: line, now: .now())
        }
        if report { logger.warning("\(line)") }
    }

    func dialFailed(_ node: NodeID, generation: UInt64) {
        let lost = state.withLock { state -> Bool in
            state.statistics.dialFailures += 1
            guard let entry = state.outbound[node], entry.generation == generation else { return false }
            state.statistics.framesDropped += entry.queue.count
            state.outbound[node] = nil
            return !state.closing
        }
        if lost { deliver(.connectionLost(node)) }
    }

    func addHandlers(to channel: any Channel, tls: NIOSSLHandler, role: PeerHandler.Role) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(tls)
        try pipeline.addHandler(ByteToMessageHandler(FrameStreamDecoder(decoder: FrameDecoder(maximumFrameBytes: limits.maximumFrameBytes))))
        try pipeline.addHandler(MessageToByteHandler(FrameStreamEncoder()))
        try pipeline.addHandler(PeerHandler(transport: self, role: role))
    }

    func admitInbound(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.closing, state.inbound.count < limits.maximumInboundConnections else {
                state.statistics.inboundRejected += 1
                return false
            }
            state.inbound[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// The hello of a dialled connection arrived: send what waited for it.
    func outboundReady(_ channel: any Channel, requested: NodeID, generation: UInt64, peer: Hello) {
        enum Outcome { case stale, flush([Frame], any Channel, NodeID, UInt64) }
        let outcome: Outcome = state.withLock { state in
            guard var entry = state.outbound[requested], entry.generation == generation else { return .stale }
            let frames = entry.queue
            if peer.node != requested {
                // Dialled by address: file the connection under the name the peer gave, unless
                // this node already has one to it, which then carries the queued frames.
                state.outbound[requested] = nil
                if let existing = state.outbound[peer.node] {
                    if let other = existing.channel {
                        state.outbound[peer.node]?.inFlightBytes += entry.queuedBytes
                        return .flush(frames, other, peer.node, existing.generation)
                    }
                    state.outbound[peer.node]?.queue += frames
                    state.outbound[peer.node]?.queuedBytes += entry.queuedBytes
                    return .stale
                }
            }
            entry.channel = channel
            entry.inFlightBytes += entry.queuedBytes
            entry.queue = []
            entry.queuedBytes = 0
            state.outbound[peer.node] = entry
            return .flush(frames, channel, peer.node, generation)
        }
        guard case let .flush(frames, target, key, targetGeneration) = outcome else {
            channel.close(promise: nil)
            return
        }
        for frame in frames {
            write(frame, size: Frame.headerBytes + frame.payload.readableBytes, on: target, key: key, generation: targetGeneration)
        }
        if target !== channel { channel.close(promise: nil) }
    }

    func received(_ message: ClusterMessage, from peer: Hello) {
        state.withLock { $0.statistics.framesReceived += 1 }
        deliver(.message(from: Peer(id: peer.node, address: peer.address), message))
    }

    func count(_ update: (inout TransportStatistics) -> Void) {
        state.withLock { update(&$0.statistics) }
    }

    func closed(_ channel: any Channel, role: PeerHandler.Role) {
        switch role {
        case .inbound:
            state.withLock { state in state.inbound[ObjectIdentifier(channel)] = nil }
        case let .outbound(_, generation):
            let lost: NodeID? = state.withLock { state in
                guard let key = state.outbound.first(where: { $0.value.generation == generation })?.key else { return nil }
                state.statistics.framesDropped += state.outbound[key]?.queue.count ?? 0
                state.outbound[key] = nil
                return state.closing ? nil : key
            }
            if let lost { deliver(.connectionLost(lost)) }
        }
    }
}
