import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A Mesos master's operator API for tests: a real HTTP/1.1 server on 127.0.0.1 that answers
/// `POST /api/v1` as Mesos does. `{"type":"GET_STATE"}` → the JSON set with `getState`;
/// `{"type":"SUBSCRIBE"}` → 200, `Content-Type: application/recordio`, a chunked body of
/// RecordIO frames: the script (a `SUBSCRIBED` first, then its events), then a `HEARTBEAT`
/// every `heartbeatInterval`. Controls let a test be the cluster: redirect to another master
/// (307), drop streams mid-frame, stall them, emit events, refuse connections, fail requests.
final class MesosOperatorServer: Sendable {
    struct Stream {
        var channel: any Channel
        var stalled = false
    }

    struct State {
        var script: [String]
        var getState: String
        var redirectPort: Int?
        var failureStatus: Int?
        var refusing = false
        var holding = false
        var streams: [Int: Stream] = [:]
        var nextStream = 0
        var getStateRequests = 0
        var subscribeRequests = 0
    }

    let state: Mutex<State>
    let listener = Mutex<(any Channel)?>(nil)
    let heartbeats = Mutex<Task<Void, Never>?>(nil)
    let heartbeatInterval: Duration

    private init(script: [String], getState: String, heartbeatInterval: Duration) {
        state = Mutex(State(script: script, getState: getState))
        self.heartbeatInterval = heartbeatInterval
    }

    /// Starts a server on 127.0.0.1 (a free port).
    static func start(script: [String], getState: String = #"{"type":"GET_STATE","get_state":{}}"#,
                      heartbeatInterval: Duration = .milliseconds(200)) async throws -> MesosOperatorServer {
        let server = MesosOperatorServer(script: script, getState: getState, heartbeatInterval: heartbeatInterval)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(OperatorHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        server.listener.withLock { $0 = channel }
        let beat = Task { [weak server, heartbeatInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeatInterval)
                server?.send(#"{"type":"HEARTBEAT"}"#)
            }
        }
        server.heartbeats.withLock { $0 = beat }
        return server
    }

    var port: Int { listener.withLock { $0?.localAddress?.port ?? 0 } }
    var getStateRequests: Int { state.withLock { $0.getStateRequests } }
    var subscribeRequests: Int { state.withLock { $0.subscribeRequests } }
    var openStreams: Int { state.withLock { $0.streams.count } }

    func stop() async {
        heartbeats.withLock { $0?.cancel() }
        dropStreams()
        let channel = listener.withLock { $0 }
        try? await channel?.close()
    }

    /// Answer every request with 307 to `other` (nil: serve again).
    func redirect(to other: MesosOperatorServer?) {
        let port = other?.port
        state.withLock { $0.redirectPort = port }
    }

    /// Answer every request with `status` (nil: serve again).
    func fail(with status: Int?) { state.withLock { $0.failureStatus = status } }

    /// Close every new connection at once (a master that is down), or stop doing so.
    func refuse(_ refusing: Bool) { state.withLock { $0.refusing = refusing } }

    /// Read requests but never answer them (a hung master), or answer again.
    func hold(_ holding: Bool) { state.withLock { $0.holding = holding } }

    /// What new subscriptions receive from now on (a `SUBSCRIBED` first).
    func setScript(_ lines: [String]) { state.withLock { $0.script = lines } }

    /// Closes every open stream in the middle of a frame.
    func dropStreams() {
        let streams = state.withLock { state in
            defer { state.streams = [:] }
            return Array(state.streams.values)
        }
        for stream in streams {
            stream.channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: #"60\#n{"type":"HEART"#))), promise: nil)
            stream.channel.flush()
            stream.channel.close(promise: nil)
        }
    }

    /// The open streams get nothing more (no events, no heartbeats); their connections stay open.
    func stall() {
        state.withLock { state in
            for key in state.streams.keys { state.streams[key]?.stalled = true }
        }
    }

    /// Sends `json` to every open stream, and to every later subscription after the script.
    func emit(_ json: String) {
        state.withLock { $0.script.append(json) }
        send(json)
    }

    /// Writes `bytes` as they are to every open stream (a corrupt frame, say).
    func emitRaw(_ bytes: String) {
        let channels = state.withLock { $0.streams.values.filter { !$0.stalled }.map(\.channel) }
        for channel in channels {
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: bytes))), promise: nil)
        }
    }

    func send(_ json: String) {
        let channels = state.withLock { $0.streams.values.filter { !$0.stalled }.map(\.channel) }
        let frame = Self.frame(json)
        for channel in channels {
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(frame)), promise: nil)
        }
    }

    static func frame(_ json: String) -> ByteBuffer { ByteBuffer(string: "\(json.utf8.count)\n\(json)") }

    /// Registers a new stream and returns the frames it starts with, under one lock so an
    /// event emitted meanwhile is in exactly one of the two.
    func openStream(_ channel: any Channel) -> (id: Int, script: [String]) {
        state.withLock { state in
            let id = state.nextStream
            state.nextStream += 1
            state.subscribeRequests += 1
            state.streams[id] = Stream(channel: channel)
            return (id, state.script)
        }
    }

    func closeStream(_ id: Int) { _ = state.withLock { $0.streams.removeValue(forKey: id) } }
}

/// One connection's requests.
final class OperatorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: MesosOperatorServer
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var stream: Int?

    init(server: MesosOperatorServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        if server.state.withLock({ $0.refusing }) {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let stream { server.closeStream(stream) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(received):
            head = received
            body = []
        case let .body(buffer):
            if body.count < 1 << 20 { body += buffer.readableBytesView }
        case .end:
            respond(context)
        }
    }

    func respond(_ context: ChannelHandlerContext) {
        let (redirect, failure, holding) = server.state.withLock { ($0.redirectPort, $0.failureStatus, $0.holding) }
        if holding { return }
        guard let head, head.method == .POST, head.uri == "/api/v1" else { return answer(context, .notFound, "not the operator API") }
        guard head.headers.first(name: "Content-Type") == "application/json" else { return answer(context, .unsupportedMediaType, "expected application/json") }
        if let redirect {
            return answer(context, .temporaryRedirect, "", extra: [("Location", "//127.0.0.1:\(redirect)/api/v1")])
        }
        if let failure { return answer(context, HTTPResponseStatus(statusCode: failure), "Failed to validate the request: test failure") }
        let type = ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?["type"] as? String
        switch type {
        case "GET_STATE":
            let json = server.state.withLock { state in
                state.getStateRequests += 1
                return state.getState
            }
            answer(context, .ok, json, extra: [("Content-Type", "application/json")])
        case "SUBSCRIBE":
            guard head.headers.first(name: "Accept") == "application/recordio" else { return answer(context, .notAcceptable, "expected application/recordio") }
            let (id, script) = server.openStream(context.channel)
            stream = id
            let headers = HTTPHeaders([("Content-Type", "application/recordio"), ("Transfer-Encoding", "chunked")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            for line in script { context.write(wrapOutboundOut(.body(.byteBuffer(MesosOperatorServer.frame(line)))), promise: nil) }
            context.flush()
        default:
            answer(context, .badRequest, "Failed to parse body into Call: unknown type")
        }
    }

    func answer(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ text: String, extra: [(String, String)] = []) {
        var headers = HTTPHeaders(extra)
        headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !text.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
