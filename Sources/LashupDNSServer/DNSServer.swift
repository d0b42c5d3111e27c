import LashupDNS
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The DNS listeners: on every address, one UDP socket per usable core (each with a thread of
/// its own, see `DatagramListener`) sharing the port through SO_REUSEPORT, so every core
/// answers; and one TCP listener on the event loops.
public final class DNSServer: Sendable {
    /// A TCP connection with no query for this long is closed (the original's 10 s).
    public static let tcpIdleTimeout = TimeAmount.seconds(10)
    /// Most TCP connections open at once; more are closed on accept and counted.
    public static let maximumTCPConnections = 1_024
    /// UDP receive buffer (the original's 1 MiB), so bursts wait in the kernel, not on the floor.
    public static let receiveBufferBytes = 1 << 20

    let channels: [any Channel]
    let datagramListeners: [DatagramListener]
    /// Open TCP connections, closed by `stop` along with the listeners.
    let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    /// The addresses bound, in the order given (ports resolved when 0 was asked).
    public let addresses: [SocketAddress]

    init(channels: [any Channel], datagramListeners: [DatagramListener], connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>, addresses: [SocketAddress]) {
        self.channels = channels
        self.datagramListeners = datagramListeners
        self.connections = connections
        self.addresses = addresses
    }

    /// Binds every address. Port 0 picks a free port, the same for UDP and TCP.
    public static func start(service: DNSService, addresses: [(host: String, port: Int)], group: MultiThreadedEventLoopGroup) async throws -> DNSServer {
        var channels: [any Channel] = []
        var datagramListeners: [DatagramListener] = []
        var bound: [SocketAddress] = []
        let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        do {
            for (host, requestedPort) in addresses {
                // Port 0 (tests): the UDP port the kernel picked may be taken in TCP; try again.
                for attempt in 1... {
                    var port = requestedPort
                    // One socket per core this process may use, each with its own thread. Port
                    // 0 gets one socket without SO_REUSEPORT: a kernel-chosen port with it can
                    // be one another SO_REUSEPORT socket already holds, and the two would split
                    // each other's queries.
                    let sockets = requestedPort == 0 ? 1 : max(1, UsableCores.count ?? System.coreCount)
                    var created: [DatagramListener] = []
                    for _ in 0..<sockets {
                        let listener = try DatagramListener(host: host, port: port, sharePort: requestedPort != 0, service: service, eventLoops: group)
                        if port == 0 { port = listener.port }
                        created.append(listener)
                    }
                    do {
                        channels.append(try await tcpListener(host: host, port: port, service: service, group: group, open: open))
                    } catch where requestedPort == 0 && attempt < 10 {
                        for listener in created { listener.discard() }
                        continue
                    } catch {
                        for listener in created { listener.discard() }
                        throw error
                    }
                    datagramListeners += created
                    bound.append(try SocketAddress(ipAddress: host, port: port))
                    break
                }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            for listener in datagramListeners { listener.discard() }
            throw error
        }
        for listener in datagramListeners { listener.start() }
        return DNSServer(channels: channels, datagramListeners: datagramListeners, connections: open, addresses: bound)
    }

    /// The TCP listener on `host:port`: connections are counted against
    /// `maximumTCPConnections`, tracked in `open` (closed by `stop`), framed, and closed when idle.
    static func tcpListener(host: String, port: Int, service: DNSService, group: MultiThreadedEventLoopGroup,
                            open: NIOLockedValueBox<[ObjectIdentifier: any Channel]>) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                let admitted = open.withLockedValue { open -> Bool in
                    guard open.count < maximumTCPConnections else { return false }
                    open[id] = channel
                    return true
                }
                guard admitted else {
                    service.metrics.tcpRefused.increment()
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in open.withLockedValue { $0[id] = nil } }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // After the decoder: only whole queries count as activity, so a
                    // byte every few seconds does not hold a connection open.
                    try pipeline.addHandler(ByteToMessageHandler(LengthPrefixedMessageDecoder()))
                    try pipeline.addHandler(IdleStateHandler(readTimeout: tcpIdleTimeout))
                    try pipeline.addHandler(TCPQueryHandler(service: service))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// Closes every listener, then every open TCP connection.
    public func stop() async {
        for channel in channels { try? await channel.close() }
        for listener in datagramListeners { await listener.stop() }
        for channel in connections.withLockedValue({ Array($0.values) }) { try? await channel.close() }
    }
}
