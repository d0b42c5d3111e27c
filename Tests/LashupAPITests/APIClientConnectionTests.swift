import LashupClient
import NIOCore
import NIOPosix
import Testing

@Suite("API client connections")
struct APIClientConnectionTests {
    @Test("sequential requests reuse one kept-alive connection")
    func reuse() async throws {
        let server = try await APIServerFixture.start()
        for _ in 0..<5 {
            #expect(try await server.client.request(.GET, "/v1/version").status == 200)
        }
        #expect(try await server.put("/lashup/kv/reuse/a", #"{"operations":[{"op":"incr","field":"n","by":1}]}"#).status == 200)
        let statistics = server.client.connectionStatistics
        #expect(statistics.opened == 1 && statistics.reused == 5, "\(statistics)")
        await server.stop()
    }

    @Test("concurrent requests each get a connection; the idle ones are reused after")
    func concurrent() async throws {
        let server = try await APIServerFixture.start()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<4 {
                group.addTask {
                    try await server.put("/lashup/kv/concurrent/\(index)", #"{"operations":[{"op":"incr","field":"n","by":1}]}"#).status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        let afterBurst = server.client.connectionStatistics.opened
        #expect((1...4).contains(afterBurst))
        for _ in 0..<4 { #expect(try await server.client.request(.GET, "/v1/version").status == 200) }
        #expect(server.client.connectionStatistics.opened == afterBurst, "idle connections were not reused")
        await server.stop()
    }

    @Test("an answer with Connection: close is honoured: the next request opens a new connection")
    func serverCloses() async throws {
        let server = try await ClosingHTTPServer.start()
        let client = try APIClient(api: "127.0.0.1:\(server.port)", token: nil)
        for _ in 0..<3 {
            let response = try await client.request(.GET, "/anything")
            #expect(response.status == 200 && String(decoding: response.body, as: UTF8.self) == "ok")
        }
        #expect(client.connectionStatistics.opened == 3 && client.connectionStatistics.reused == 0)
        try await server.stop()
    }
}

/// A raw HTTP/1.1 server that answers every request "ok" with `Connection: close` and then
/// closes, as a proxy or an old server would.
private struct ClosingHTTPServer {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start() async throws -> ClosingHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AnswerAndClose()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ClosingHTTPServer(channel: channel)
    }

    func stop() async throws { try await channel.close() }
}

private final class AnswerAndClose: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var received: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        // The client's requests here have no body: the head ends the request.
        guard received.count >= 4, Array(received.suffix(4)) == Array("\r\n\r\n".utf8) else { return }
        let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer))).whenComplete { _ in channel.close(promise: nil) }
    }
}
