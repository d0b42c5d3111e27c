import LashupDNS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The DNS listeners: on every address, one UDP socket per usable core (each on its own event
/// loop) sharing the port through SO_REUSEPORT, so every core answers; and one TCP listener.
public final class DNSServer: Sendable {
    /// A TCP connection with no query for this long is closed (the original's 10 s).
    public static let tcpIdleTimeout = TimeAmount.seconds(10)
    /// Most TCP connections open at once; more are closed on accept and counted.
    public static let maximumTCPConnections = 1_024
    /// UDP receive buffer (the original's 1 MiB), so bursts wait in the kernel, not on the floor.
    public static let receiveBufferBytes = 1 << 20

    /// Datagrams read per system call (recvmmsg).
    static let vectorReadCount = 32

    let channels: [any Channel]
    /// Open TCP connections, closed by `stop` along with the listeners.
    let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    /// The addresses bound, in the order given (ports resolved when 0 was asked).
    public let addresses: [SocketAddress]

    init(channels: [any Channel], connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>, addresses: [SocketAddress]) {
        self.channels = channels
        self.connections = connections
        self.addresses = addresses
    }

    /// Binds every address. Port 0 picks a free port, the same for UDP and TCP.
    public static func start(service: DNSService, addresses: [(host: String, port: Int)], group: MultiThreadedEventLoopGroup) async throws -> DNSServer {
        var channels: [any Channel] = []
        var bound: [SocketAddress] = []
        let tcpConnections = Atomic<Int>(0)
        let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        do {
            for (host, requestedPort) in addresses {
                var port = requestedPort
                // One socket per core this process may use (at least one, at most one per loop).
                let loops = Array(group.makeIterator())
                let sockets = min(loops.count, max(1, UsableCores.count ?? loops.count))
                for loop in loops.prefix(sockets) {
                    let channel = try await DatagramBootstrap(group: loop)
                        .channelOption(.socketOption(.so_reuseaddr), value: 1)
                        .channelOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SocketOptionName(SO_REUSEPORT)), value: 1)
                        .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferBytes))
                        .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
                        // recvmmsg splits one buffer between the messages: give each 4 KiB
                        // (queries beyond that are cut, fail to decode, and get FORMERR).
                        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vectorReadCount * 4_096))
                        .channelOption(.maxMessagesPerRead, value: 32)
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(UDPQueryHandler(service: service)) }
                        }
                        .bind(host: host, port: port).get()
                    if port == 0 { port = channel.localAddress?.port ?? 0 }
                    channels.append(channel)
                }
                let listener = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        guard tcpConnections.wrappingAdd(1, ordering: .relaxed).newValue <= maximumTCPConnections else {
                            tcpConnections.wrappingSubtract(1, ordering: .relaxed)
                            service.metrics.tcpRefused.increment()
                            return channel.close()
                        }
                        let id = ObjectIdentifier(channel)
                        open.withLockedValue { $0[id] = channel }
                        channel.closeFuture.whenComplete { _ in
                            tcpConnections.wrappingSubtract(1, ordering: .relaxed)
                            open.withLockedValue { $0[id] = nil }
                        }
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
                channels.append(listener)
                bound.append(try SocketAddress(ipAddress: host, port: port))
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return DNSServer(channels: channels, connections: open, addresses: bound)
    }

    /// Closes every listener, then every open TCP connection.
    public func stop() async {
        for channel in channels { try? await channel.close() }
        for channel in connections.withLockedValue({ Array($0.values) }) { try? await channel.close() }
    }
}
