import Foundation
import LashupAPI
import LashupCluster
import LashupRuntime
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the agent's REST API (one request per connection), used by the
/// CLI, the API benchmark and tests.
public struct APIClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var json: JSONValue? { try? JSONValue.parse(body) }
    }

    /// Largest response read.
    public static let maximumResponseBytes = 64 << 20

    public let host: String
    public let port: Int
    public let token: String?

    public init(api: String, token: String?) throws(RuntimeError) {
        guard let (host, port) = HostPort.parse(api) else { throw RuntimeError("--api \"\(api)\" is not HOST:PORT") }
        self.host = host
        self.port = port
        self.token = token
    }

    public func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, timeout: TimeAmount = .seconds(30)) async throws(RuntimeError) -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw RuntimeError("cannot reach the agent's API at \(HostPort.format(host: host, port: port)) (is `lashup agent` running? set --api or LASHUP_API): \(error)")
        }
        var headers = HTTPHeaders([("Host", HostPort.format(host: host, port: port)), ("Connection", "close"), ("Content-Length", "\(body?.count ?? 0)")])
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(RuntimeError("no answer from the agent's API within \(timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("the agent's API at \(HostPort.format(host: host, port: port)) failed: \(error)")
        }
    }

    /// The response's JSON when the status is 2xx; otherwise the API's error message as an error.
    public func json(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, timeout: TimeAmount = .seconds(30)) async throws(RuntimeError) -> JSONValue {
        let response = try await request(method, path, body: body, timeout: timeout)
        guard (200..<300).contains(response.status) else {
            if case let .string(message)? = response.json?["error"] { throw RuntimeError(message) }
            throw RuntimeError("the agent answered HTTP \(response.status)")
        }
        guard let json = response.json else { throw RuntimeError("the agent answered something that is not JSON") }
        return json
    }
}

/// Collects one HTTP response.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<APIClient.Response>
    var status = 0
    var body: [UInt8] = []

    init(promise: EventLoopPromise<APIClient.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            status = Int(head.status.code)
        case let .body(buffer):
            guard body.count + buffer.readableBytes <= APIClient.maximumResponseBytes else {
                promise.fail(RuntimeError("the agent's response is over \(APIClient.maximumResponseBytes) bytes"))
                context.close(promise: nil)
                return
            }
            body += buffer.readableBytesView
        case .end:
            promise.succeed(APIClient.Response(status: status, body: body))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(RuntimeError("the agent closed the connection before answering"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
