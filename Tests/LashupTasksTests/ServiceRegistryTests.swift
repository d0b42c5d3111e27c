import Foundation
import LashupCRDT
import LashupClusterTesting
import LashupLB
@testable import LashupTasks
import LashupTestSupport
import Logging
import NIOCore
import NIOPosix
import Testing

/// Registered services: validation, durability, and checks that drain and restore.
@Suite("Registered services", .onOwnThread)
struct ServiceRegistryTests {
    static func registry(file: RegistrationFile? = nil) -> (ServiceRegistry, TaskPublisher) {
        let cluster = InMemoryCluster(nodes: 1, seed: 2)
        let balancer = LoadBalancer(cluster: cluster.node(0), localName: "node-0", dataplane: nil, logger: Logger(label: "test"), publishDNS: { _ in })
        let publisher = TaskPublisher(cluster: cluster.node(0), balancer: balancer, localName: "node-0", logger: Logger(label: "test"))
        return (ServiceRegistry(file: file, agentIP: IPAddress("127.0.0.1"), publisher: publisher, logger: Logger(label: "test")), publisher)
    }

    /// A TCP listener on 127.0.0.1 that accepts and closes.
    static func listen(port: Int = 0) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.close() }
            .bind(host: "127.0.0.1", port: port).get()
    }

    @Test("a failing TCP check drains the service within its interval, and a passing one restores it")
    func checkDrainsAndRestores() async throws {
        var listener = try await Self.listen()
        let port = try #require(listener.localAddress?.port)
        let (registry, publisher) = Self.registry()
        let check = ServiceCheck(kind: .tcp, intervalMilliseconds: 200, timeoutMilliseconds: 100)
        try await registry.register(RegisteredService(name: "web", address: "127.0.0.1", port: UInt16(port), vips: ["/web:80"], check: check))
        #expect(await eventually { await publisher.current(.registered).first?.health == .healthy })
        #expect(await publisher.current(.registered).first?.backendWeight == 1)

        try await listener.close()
        #expect(await eventually { await publisher.current(.registered).first?.health == .unhealthy })
        // Drained by the first failing check, so within one interval of the failure (the
        // registry records how many failures it took; no wall-clock bound, which a loaded
        // machine would break).
        #expect(await registry.list().first?.drainedAfterFailures == 1)
        #expect(await publisher.current(.registered).first?.backendWeight == 0)
        #expect(await registry.list().first?.lastFailure?.contains("127.0.0.1:\(port)") == true)

        listener = try await Self.listen(port: port)
        #expect(await eventually { await publisher.current(.registered).first?.health == .healthy })
        try await listener.close()
        await registry.stop()
    }

    @Test("bad registrations are refused naming each problem, and nothing is stored")
    func refusals() async throws {
        let (registry, publisher) = Self.registry()
        let bad = RegisteredService(id: "bad id!", name: "", namespace: "ok", address: "10.0.0.300", port: 0, vips: ["nope"],
                                    check: ServiceCheck(kind: .http, target: "ftp://x", intervalMilliseconds: 50, timeoutMilliseconds: 10))
        await #expect {
            try await registry.register(bad)
        } throws: { error in
            let text = "\(error)"
            return ["id \"bad id!\"", "name \"\"", "10.0.0.300", "port must be", "VIP label \"nope\"", "check interval 50 ms", "check timeout 10 ms",
                    "http:// URL"].allSatisfy(text.contains)
        }
        #expect(await registry.list().isEmpty)
        #expect(await publisher.current().isEmpty)
    }

    @Test("registrations survive a restart through the file; deregistering removes them; a damaged file is named")
    func durability() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lashup-services-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = RegistrationFile(directory: directory)
        let (first, _) = Self.registry(file: file)
        try await first.register(RegisteredService(name: "db", namespace: "prod", address: "10.0.0.5", port: 5432, transport: .tcp, vips: ["db:5432"]))
        try await first.register(RegisteredService(name: "cache", address: "10.0.0.6", port: 6379))
        #expect(try await first.deregister("cache"))
        #expect(try await first.deregister("cache") == false)

        let stored = try file.read()
        #expect(stored.map(\.id) == ["db"])
        let (second, publisher) = Self.registry(file: file)
        await second.start(restoring: stored)
        #expect(await publisher.current().map(\.name) == ["db"])
        #expect(await publisher.current().first?.framework == "prod")

        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: file.path))
        #expect(throws: RegistrationFile.Failure.self) { try file.read() }
        do {
            _ = try file.read()
        } catch {
            #expect(error.description.contains(file.path) && error.description.contains("move it aside"))
        }
    }
}

/// Answers every connection with one fixed HTTP status, after reading the request.
final class FixedStatusResponder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let status: Int

    init(status: Int) { self.status = status }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let response = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        let channel = context.channel
        context.writeAndFlush(NIOAny(ByteBuffer(string: response))).whenComplete { _ in channel.close(promise: nil) }
    }
}

extension ServiceRegistryTests {
    static func http(status: Int) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FixedStatusResponder(status: status)) } }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test("an HTTP check passes on 2xx and 3xx, and names the status, a refused port or a bad URL otherwise")
    func httpCheck() async throws {
        for (status, passes) in [(200, true), (302, true), (503, false)] {
            let server = try await Self.http(status: status)
            let port = try #require(server.localAddress?.port)
            let failure = await ServiceChecker.http("http://127.0.0.1:\(port)/health", timeout: .seconds(2))
            #expect((failure == nil) == passes, "status \(status): \(failure ?? "passed")")
            if !passes { #expect(failure?.contains("status \(status)") == true) }
            try await server.close()
        }
        let closed = try await Self.http(status: 200)
        let port = try #require(closed.localAddress?.port)
        try await closed.close()
        #expect(await ServiceChecker.http("http://127.0.0.1:\(port)/", timeout: .seconds(2))?.contains("cannot connect") == true)
        #expect(await ServiceChecker.http("ftp://x/", timeout: .seconds(2))?.contains("not an http:// URL") == true)
    }
}
