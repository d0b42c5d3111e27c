import Foundation
import LashupAPI
import LashupCluster
import LashupRuntime
import NIOCore
import NIOHTTP1
import NIOPosix

/// One Server-Sent Event as the agent sends it.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String
    public var data: String
}

extension APIClient {
    /// Opens `path` as an event stream (`Accept: text/event-stream`, and `Last-Event-ID` when
    /// given) and yields its events until the agent ends it or the consumer stops iterating.
    /// A status other than 200 is an error carrying the agent's message.
    public func events(_ path: String, lastEventID: String? = nil) async throws(RuntimeError) -> AsyncThrowingStream<ServerSentEvent, any Error> {
        let (chunks, sink) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(1_024))
        let head = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Int.self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StreamCollector(head: head, sink: sink))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            head.fail(error)
            throw RuntimeError("cannot reach the agent's API at \(HostPort.format(host: host, port: port)) (is `lashup agent` running? set --api or LASHUP_API): \(error)")
        }
        var headers = HTTPHeaders([("Host", HostPort.format(host: host, port: port)), ("Accept", "text/event-stream")])
        if let lastEventID { headers.add(name: "Last-Event-ID", value: lastEventID) }
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let status: Int
        do {
            status = try await head.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw RuntimeError("the agent's API at \(HostPort.format(host: host, port: port)) failed: \(error)")
        }
        guard status == 200 else {
            var body: [UInt8] = []
            do {
                for try await chunk in chunks where body.count < 64 << 10 { body += chunk.readableBytesView }
            } catch {}
            channel.close(promise: nil)
            if case let .string(message)? = (try? JSONValue.parse(body))?["error"] { throw RuntimeError(message) }
            throw RuntimeError("the agent answered HTTP \(status)")
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = EventStreamParser()
                do {
                    for try await chunk in chunks {
                        for event in try parser.feed(Array(chunk.readableBytesView)) { continuation.yield(event) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in
                task.cancel()
                channel.close(promise: nil)
            }
        }
    }
}

/// Splits an event stream into events (the `text/event-stream` format; comments skipped).
/// Bounded: a line longer than `maximumLineBytes` ends the stream with an error.
struct EventStreamParser {
    static let maximumLineBytes = 16 << 20
    var pending: [UInt8] = []
    var id: String?
    var event = "message"
    var data: [String] = []

    mutating func feed(_ bytes: [UInt8]) throws(RuntimeError) -> [ServerSentEvent] {
        pending += bytes
        var events: [ServerSentEvent] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { events.append(ServerSentEvent(id: id, event: event, data: data.joined(separator: "\n"))) }
                event = "message"
                data = []
                continue
            }
            if line.hasPrefix(":") { continue }
            let (field, value) = line.firstIndex(of: ":").map { (String(line[..<$0]), String(line[line.index(after: $0)...]).trimmingPrefix(" ")) } ?? (line, "")
            switch field {
            case "id": id = String(value)
            case "event": event = String(value)
            case "data": data.append(String(value))
            default: break
            }
        }
        guard pending.count <= Self.maximumLineBytes else {
            throw RuntimeError("the agent's event stream sent a line over \(Self.maximumLineBytes) bytes")
        }
        return events
    }
}

/// Forwards a streamed HTTP response: its status once, then its body chunks.
final class StreamCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let head: EventLoopPromise<Int>
    let sink: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    init(head: EventLoopPromise<Int>, sink: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
        self.head = head
        self.sink = sink
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(response): head.succeed(Int(response.status.code))
        case let .body(buffer): sink.yield(buffer)
        case .end: sink.finish()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        head.fail(RuntimeError("the agent closed the connection before answering"))
        sink.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        head.fail(error)
        sink.finish(throwing: error)
        context.close(promise: nil)
    }
}
