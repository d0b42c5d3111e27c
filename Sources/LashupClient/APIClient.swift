import Foundation
import LashupAPI
import LashupCluster
import LashupRuntime
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the agent's REST API, used by the CLI, the API benchmark and
/// tests. Connections are kept alive and reused (see `ConnectionPool`), so a process making
/// many requests pays TCP set-up once per concurrent request, not once per request.
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
    let pool: ConnectionPool

    /// - Parameter maximumIdleConnections: idle connections kept for reuse; more are closed.
    public init(api: String, token: String?, maximumIdleConnections: Int = 32) throws(RuntimeError) {
        guard let (host, port) = HostPort.parse(api) else { throw RuntimeError("--api \"\(api)\" is not HOST:PORT") }
        self.host = host
        self.port = port
        self.token = token
        pool = ConnectionPool(maximumIdle: maximumIdleConnections)
    }

    /// Connections opened and requests that reused one, since this client was made.
    public var connectionStatistics: (opened: Int, reused: Int) { pool.statistics }

    public func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, timeout: TimeAmount = .seconds(30)) async throws(RuntimeError) -> Response {
        if let connection = pool.take() {
            do {
                return try await send(method, path, body: body, timeout: timeout, on: connection)
            } catch {
                switch error {
                case .closedBeforeAnswer where method == .GET || method == .HEAD:
                    // The agent may close an idle connection as the request goes out; a read
                    // is safe to repeat on a new one. A write is not (an increment would
                    // apply twice if the agent did take it), so its error says so.
                    break
                case .closedBeforeAnswer:
                    throw RuntimeError("the agent's API at \(address) closed a reused connection before answering; the \(method) may or may not have been applied")
                case let .failed(failure):
                    throw failure
                }
            }
        }
        let connection = try await connect()
        do {
            return try await send(method, path, body: body, timeout: timeout, on: connection)
        } catch {
            switch error {
            case .closedBeforeAnswer: throw RuntimeError("the agent closed the connection before answering")
            case let .failed(failure): throw failure
            }
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

    var address: String { HostPort.format(host: host, port: port) }

    private func connect() async throws(RuntimeError) -> PooledConnection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            let collector = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseCollector.self), eventLoop: channel.eventLoop)
            }.get()
            pool.noteOpened()
            return PooledConnection(channel: channel, collector: collector)
        } catch {
            throw RuntimeError("cannot reach the agent's API at \(address) (is `lashup agent` running? set --api or LASHUP_API): \(error)")
        }
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, timeout: TimeAmount, on connection: PooledConnection) async throws(RequestFailure) -> Response {
        var headers = HTTPHeaders([("Host", address), ("Content-Length", "\(body?.count ?? 0)")])
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        let channel = connection.channel
        let promise = channel.eventLoop.makePromise(of: Response.self)
        channel.eventLoop.execute {
            guard channel.isActive else {
                promise.fail(RequestFailure.closedBeforeAnswer)
                return
            }
            connection.collector.value.expect(promise)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        let seconds = timeout.nanoseconds / 1_000_000_000
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(RequestFailure.failed(RuntimeError("no answer from the agent's API within \(seconds) s")))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let response: Response
        do {
            response = try await promise.futureResult.get()
        } catch let failure as RequestFailure {
            channel.close(promise: nil)
            throw failure
        } catch {
            channel.close(promise: nil)
            throw .failed(RuntimeError("the agent's API at \(address) failed: \(error)"))
        }
        pool.giveBack(connection)
        return response
    }
}

/// Why one request on one connection failed: the connection closed before any of the answer
/// arrived (which a reused connection may do harmlessly), or anything else.
enum RequestFailure: Error {
    case closedBeforeAnswer
    case failed(RuntimeError)
}

/// A connection and the handler that collects its responses (touched on its event loop only).
struct PooledConnection: Sendable {
    let channel: any Channel
    let collector: NIOLoopBound<ResponseCollector>
}

/// Idle keep-alive connections, newest last. Bounded: beyond `maximumIdle` a returned
/// connection is closed; a connection the agent closed is dropped when next taken.
final class ConnectionPool: Sendable {
    private struct State {
        var idle: [PooledConnection] = []
        var opened = 0
        var reused = 0
    }

    let maximumIdle: Int
    private let state = NIOLockedValueBox(State())

    init(maximumIdle: Int) { self.maximumIdle = max(0, maximumIdle) }

    var statistics: (opened: Int, reused: Int) { state.withLockedValue { ($0.opened, $0.reused) } }

    func noteOpened() { state.withLockedValue { $0.opened += 1 } }

    /// The newest idle connection still open, if any.
    func take() -> PooledConnection? {
        state.withLockedValue { state in
            while let connection = state.idle.popLast() {
                if connection.channel.isActive {
                    state.reused += 1
                    return connection
                }
            }
            return nil
        }
    }

    /// Keeps `connection` for reuse if it is still open, its last answer allowed reuse and
    /// there is room; closes it otherwise.
    func giveBack(_ connection: PooledConnection) {
        let kept = state.withLockedValue { state in
            guard state.idle.count < maximumIdle, connection.channel.isActive else { return false }
            state.idle.append(connection)
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
    }

    deinit {
        for connection in state.withLockedValue({ $0.idle }) { connection.channel.close(mode: .all, promise: nil) }
    }
}

/// Collects each response on its connection in turn, and closes the connection after an
/// answer that does not allow reuse (so the pool drops it).
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private var promise: EventLoopPromise<APIClient.Response>?
    private var status = 0
    private var keepAlive = true
    private var body: [UInt8] = []
    private var answerStarted = false

    func expect(_ promise: EventLoopPromise<APIClient.Response>) {
        self.promise = promise
        status = 0
        body = []
        keepAlive = true
        answerStarted = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let promise else {
            // An answer nobody asked for: the connection's state is unknown, so end it.
            context.close(promise: nil)
            return
        }
        answerStarted = true
        switch unwrapInboundIn(data) {
        case let .head(head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
        case let .body(buffer):
            guard body.count + buffer.readableBytes <= APIClient.maximumResponseBytes else {
                fail(RequestFailure.failed(RuntimeError("the agent's response is over \(APIClient.maximumResponseBytes) bytes")))
                context.close(promise: nil)
                return
            }
            body += buffer.readableBytesView
        case .end:
            self.promise = nil
            if !keepAlive { context.close(promise: nil) }
            promise.succeed(APIClient.Response(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(answerStarted ? RequestFailure.failed(RuntimeError("the agent closed the connection in the middle of its answer")) : RequestFailure.closedBeforeAnswer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(answerStarted ? RequestFailure.failed(RuntimeError("the agent's API failed: \(error)")) : RequestFailure.closedBeforeAnswer)
        context.close(promise: nil)
    }

    private func fail(_ failure: RequestFailure) {
        promise?.fail(failure)
        promise = nil
    }
}
