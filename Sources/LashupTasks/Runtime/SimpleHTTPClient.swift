import LashupCluster
import NIOCore
import NIOHTTP1
import NIOPosix

/// Why a request with `SimpleHTTPClient` (to the container runtime, or a service check) failed.
public struct RuntimeAPIError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable { case unreachable, status, tooLarge, closed, timeout }
    public var kind: Kind
    public var description: String
}

/// A small HTTP/1.1 client: one request per connection, bounded responses, and streamed
/// bodies. It speaks over a unix socket, as the Docker Engine API is served (Docker,
/// `podman system service`, whose `/events` stream it follows), or over TCP (a registered
/// service's HTTP check).
public struct SimpleHTTPClient: Sendable {
    /// Where the server listens.
    public enum Target: Sendable, CustomStringConvertible {
        case unixSocket(String)
        case tcp(host: String, port: Int)

        public var description: String {
            switch self {
            case let .unixSocket(path): path
            case let .tcp(host, port): HostPort.format(host: host, port: port)
            }
        }
    }

    /// Largest whole response read (a container list of thousands fits).
    public static let maximumResponseBytes = 32 << 20

    public let target: Target
    public let timeout: TimeAmount

    public init(_ target: Target, timeout: TimeAmount = .seconds(10)) {
        self.target = target
        self.timeout = timeout
    }

    /// Sends `GET path` (or another method) and returns the status and the whole body.
    public func request(_ method: HTTPMethod = .GET, _ path: String) async throws(RuntimeAPIError) -> (status: Int, body: [UInt8]) {
        let (chunks, channel) = try await open(method, path)
        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { timer.cancel() }
        var body: [UInt8] = []
        var status = 0
        do {
            for try await part in chunks {
                switch part {
                case let .head(code): status = code
                case let .body(bytes):
                    guard body.count + bytes.count <= Self.maximumResponseBytes else {
                        channel.close(promise: nil)
                        throw RuntimeAPIError(kind: .tooLarge, description: "\(path) answered more than \(Self.maximumResponseBytes) bytes")
                    }
                    body += bytes
                }
            }
        } catch let error as RuntimeAPIError {
            throw error
        } catch {
            throw RuntimeAPIError(kind: .closed, description: "\(path) on \(target): \(error)")
        }
        guard status != 0 else { throw RuntimeAPIError(kind: .timeout, description: "\(path) on \(target): no answer within \(Duration.nanoseconds(timeout.nanoseconds))") }
        return (status, body)
    }

    /// Opens `GET path` as a stream: the status first, then body bytes as they come, until the
    /// server ends the response or closes the connection. Ending the iteration closes it.
    public func stream(_ path: String) async throws(RuntimeAPIError) -> (status: Int, body: AsyncThrowingStream<[UInt8], any Error>) {
        let (parts, channel) = try await open(.GET, path)
        let (heads, headSink) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingOldest(1))
        let (body, bodySink) = AsyncThrowingStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(4_096))
        // One task reads the connection: the status goes to `heads`, the body to `body`.
        let reader = Task {
            do {
                for try await part in parts {
                    switch part {
                    case let .head(code): headSink.yield(code)
                    case let .body(bytes):
                        if case .dropped = bodySink.yield(bytes) {
                            throw RuntimeAPIError(kind: .tooLarge, description: "\(path) sent faster than it was read")
                        }
                    }
                }
                bodySink.finish()
            } catch {
                bodySink.finish(throwing: error)
            }
            headSink.finish()
        }
        bodySink.onTermination = { _ in
            reader.cancel()
            channel.close(promise: nil)
        }
        // A server that accepts and never answers is cut off at the timeout.
        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        var statuses = heads.makeAsyncIterator()
        let first = await statuses.next()
        timer.cancel()
        guard let status = first else {
            channel.close(promise: nil)
            throw RuntimeAPIError(kind: .closed, description: "\(path) on \(target): closed before answering")
        }
        return (status, body)
    }

    enum Part: Sendable {
        case head(Int)
        case body([UInt8])
    }

    func open(_ method: HTTPMethod, _ path: String) async throws(RuntimeAPIError) -> (AsyncThrowingStream<Part, any Error>, any Channel) {
        // Bounded: a server that sends faster than the consumer reads is cut off, not buffered
        // without limit (see `PartForwarder`).
        let (parts, sink) = AsyncThrowingStream.makeStream(of: Part.self, bufferingPolicy: .bufferingOldest(4_096))
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(PartForwarder(sink: sink))
                }
            }
        let channel: any Channel
        do {
            switch target {
            case let .unixSocket(path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            case let .tcp(host, port): channel = try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            sink.finish()
            throw RuntimeAPIError(kind: .unreachable, description: "cannot connect to \(target): \(error)")
        }
        let host = if case .tcp = target { target.description } else { "localhost" }
        let headers = HTTPHeaders([("Host", host), ("Accept", "application/json"), ("Connection", "close"), ("User-Agent", "lashup")])
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return (parts, channel)
    }
}

/// Forwards a response's head and body chunks to a stream; the connection's end ends it.
final class PartForwarder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let sink: AsyncThrowingStream<SimpleHTTPClient.Part, any Error>.Continuation

    init(sink: AsyncThrowingStream<SimpleHTTPClient.Part, any Error>.Continuation) { self.sink = sink }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let result: AsyncThrowingStream<SimpleHTTPClient.Part, any Error>.Continuation.YieldResult
        switch unwrapInboundIn(data) {
        case let .head(head): result = sink.yield(.head(Int(head.status.code)))
        case let .body(buffer): result = sink.yield(.body(Array(buffer.readableBytesView)))
        case .end:
            sink.finish()
            context.close(promise: nil)
            return
        }
        if case .dropped = result {
            sink.finish(throwing: RuntimeAPIError(kind: .tooLarge, description: "the runtime sent faster than it was read; reconnecting"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        sink.finish(throwing: error)
        context.close(promise: nil)
    }
}
