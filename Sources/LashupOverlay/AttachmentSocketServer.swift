import Foundation
import LashupCNIProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The agent's end of the plugin's unix socket: one request line in, one response line out,
/// then the connection closes. Lines are bounded (`AttachmentProtocol.maximumMessageBytes`);
/// a longer or malformed one is answered with a CNI decoding error, never a crash. At most
/// `maximumConnections` are served at once; one more is told to try again later (11).
public final class AttachmentSocketServer: Sendable {
    /// Connections served at once (a CNI runtime attaches a handful of containers at a time).
    public static let maximumConnections = 64
    let channel: any Channel
    public let path: String

    /// Binds `path` (creating its directory; a stale socket file from a crashed agent is
    /// replaced) with owner-only permissions: only root may attach containers.
    public static func start(path: String, manager: AttachmentManager, group: any EventLoopGroup, logger: Logger,
                             observe: @escaping @Sendable (AttachmentRequest.Command?, Bool, Duration) -> Void) async throws -> AttachmentSocketServer {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let open = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AttachmentConnection(manager: manager, logger: logger, open: open, observe: observe))
                }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        chmod(path, 0o600)
        return AttachmentSocketServer(channel: channel, path: path)
    }

    init(channel: any Channel, path: String) {
        self.channel = channel
        self.path = path
    }

    public func stop() async {
        try? await channel.close()
        unlink(path)
    }
}

/// One plugin connection.
final class AttachmentConnection: ChannelInboundHandler, @unchecked Sendable {
    // Used only on its channel's event loop.
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let manager: AttachmentManager
    let logger: Logger
    let open: NIOLockedValueBox<Int>
    let observe: @Sendable (AttachmentRequest.Command?, Bool, Duration) -> Void
    var received: [UInt8] = []
    var answered = false
    var counted = false

    init(manager: AttachmentManager, logger: Logger, open: NIOLockedValueBox<Int>, observe: @escaping @Sendable (AttachmentRequest.Command?, Bool, Duration) -> Void) {
        self.manager = manager
        self.logger = logger
        self.open = open
        self.observe = observe
    }

    func channelActive(context: ChannelHandlerContext) {
        let admitted = open.withLockedValue { count -> Bool in
            guard count < AttachmentSocketServer.maximumConnections else { return false }
            count += 1
            return true
        }
        counted = admitted
        if !admitted {
            answered = true
            send(context: context, .failure(CNIErrorCode.tryAgainLater, "the agent is serving \(AttachmentSocketServer.maximumConnections) CNI requests already"),
                 command: nil, started: .now)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
            answered = true
            respond(context: context, line: Array(received[..<newline]))
        } else if received.count > AttachmentProtocol.maximumMessageBytes {
            answered = true
            send(context: context, .failure(CNIErrorCode.decodingFailure, "request longer than \(AttachmentProtocol.maximumMessageBytes) bytes"), command: nil, started: .now)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted { open.withLockedValue { $0 -= 1 } }
        counted = false
        if !answered, !received.isEmpty { logger.debug("overlay: a CNI request ended before its newline; ignored") }
        context.fireChannelInactive()
    }

    func respond(context: ChannelHandlerContext, line: [UInt8]) {
        let started = ContinuousClock.now
        let request: AttachmentRequest
        do {
            request = try JSONDecoder().decode(AttachmentRequest.self, from: Data(line))
        } catch {
            return send(context: context, .failure(CNIErrorCode.decodingFailure, "the request is not a valid attachment request: \(error)"), command: nil, started: started)
        }
        let loop = context.eventLoop
        let boxed = NIOLoopBound(context, eventLoop: loop)
        let manager = manager
        Task {
            let response = await manager.handle(request)
            loop.execute { self.send(context: boxed.value, response, command: request.command, started: started) }
        }
    }

    func send(context: ChannelHandlerContext, _ response: AttachmentResponse, command: AttachmentRequest.Command?, started: ContinuousClock.Instant) {
        observe(command, response.error == nil, .now - started)
        var data = (try? JSONEncoder().encode(response)) ?? Data(#"{"error":{"code":5,"msg":"the response could not be encoded"}}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        var buffer = context.channel.allocator.buffer(capacity: data.count)
        buffer.writeBytes(data)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }
}
