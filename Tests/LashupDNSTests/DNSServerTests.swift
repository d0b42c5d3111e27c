import LashupCRDT
@testable import LashupDNS
@testable import LashupDNSServer
import Logging
import NIOCore
import NIOPosix
import Testing

/// The servers on real sockets: UDP and TCP listeners, forwarding to another server, the
/// cache, zone replacement.
@Suite(.serialized) struct DNSServerTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let logger = Logger(label: "dns-test")

    /// A server answering `example.test` itself, used as the upstream.
    func upstreamServer() async throws -> (DNSService, DNSServer) {
        let big = try (0..<150).map { try ZoneRecord(name: "big.example.test", type: .a, data: ["198.18.0.\($0)"]) }
        let zone = Zone(apex: name("example.test"), records: [
            try ZoneRecord(name: "www.example.test", type: .a, data: ["192.0.2.10"]),
        ] + big, serial: 3)
        let service = DNSService(resolver: resolver(), localZones: [zone], logger: logger)
        return (service, try await DNSServer.start(service: service, addresses: [("127.0.0.1", 0)], group: Self.group))
    }

    func forwardingServer(upstreamPort: Int, cacheCapacity: Int = 100) async throws -> (DNSService, DNSServer) {
        let upstream = Upstream(address: IPAddress("127.0.0.1")!, port: UInt16(upstreamPort))
        let service = DNSService(
            resolver: resolver(upstreams: [upstream]), localZones: testZones().zones.values.filter { ZoneTable.localApexes.contains($0.apex) },
            cacheCapacity: cacheCapacity, upstreamTimeout: .milliseconds(300), overallTimeout: .seconds(1), logger: logger
        )
        service.replaceStoreZones([
            "dcos.thisdcos.directory": ["web.dcos.thisdcos.directory A 10.0.0.5", "web.dcos.thisdcos.directory A 10.0.0.6",
                                        "ext.dcos.thisdcos.directory CNAME www.example.test"],
        ], serial: 1)
        return (service, try await DNSServer.start(service: service, addresses: [("127.0.0.1", 0)], group: Self.group))
    }

    @Test func answersOverUDPAndTCPWithSeveralQueriesPerConnection() async throws {
        let (_, server) = try await forwardingServer(upstreamPort: 9)
        defer { Task { await server.stop() } }
        let port = server.addresses[0].port!
        let udp = try Message(decoding: try #require(try SocketClient.udp(query("web.dcos.thisdcos.directory").encoded(), port: port)))
        #expect(Set(udp.answerAddresses) == ["10.0.0.5", "10.0.0.6"] && udp.header.authoritative)
        let replies = try SocketClient.tcp([
            query("web.dcos.thisdcos.directory", id: 1).encoded(), query("ready.spartan", id: 2).encoded(),
            query("nope.dcos.thisdcos.directory", id: 3).encoded(),
        ], port: port).map { try Message(decoding: $0) }
        #expect(Set(replies.map(\.header.id)) == [1, 2, 3])
        #expect(replies.first { $0.header.id == 2 }?.answerAddresses == ["127.0.0.1"])
        #expect(replies.first { $0.header.id == 3 }?.responseCode == .nameError)
    }

    @Test func malformedDatagramsGetFORMERRAndRepeatsAreAnsweredTheSame() async throws {
        let (_, server) = try await forwardingServer(upstreamPort: 9)
        defer { Task { await server.stop() } }
        let port = server.addresses[0].port!
        let reply = try Message(decoding: try #require(try SocketClient.udp([0x77, 0x01, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f], port: port)))
        #expect(reply.responseCode == .formatError && reply.header.id == 0x7701)
        // The second identical question (other id) comes from the per-loop answer cache.
        for id in [UInt16(10), 11, 12, 13] {
            let again = try Message(decoding: try #require(try SocketClient.udp(query("web.dcos.thisdcos.directory", id: id).encoded(), port: port)))
            #expect(again.header.id == id && again.answerAddresses.count == 2 && again.answerAddresses[0] == (id % 2 == 0 ? "10.0.0.5" : "10.0.0.6"))
        }
    }

    @Test func replacedZonesAreServedAtOnce() async throws {
        let (service, server) = try await forwardingServer(upstreamPort: 9)
        defer { Task { await server.stop() } }
        let port = server.addresses[0].port!
        _ = try SocketClient.udp(query("web.dcos.thisdcos.directory").encoded(), port: port)
        service.replaceStoreZones(["dcos.thisdcos.directory": ["web.dcos.thisdcos.directory A 10.9.9.9", "bad line"]], serial: 2)
        for _ in 0..<4 {  // every loop's cache must drop the old answer
            let reply = try Message(decoding: try #require(try SocketClient.udp(query("web.dcos.thisdcos.directory").encoded(), port: port)))
            #expect(reply.answerAddresses == ["10.9.9.9"])
        }
        let soa = try Message(decoding: try #require(try SocketClient.udp(query("dcos.thisdcos.directory", .soa).encoded(), port: port)))
        guard case let .soa(data)? = soa.answers.first?.data else { Issue.record("no SOA"); return }
        #expect(data.serial == 2)
    }

    @Test func forwardsThenAnswersFromTheCacheWhenTheUpstreamIsGone() async throws {
        let (_, upstream) = try await upstreamServer()
        let (service, server) = try await forwardingServer(upstreamPort: upstream.addresses[0].port!)
        defer { Task { await server.stop() } }
        let port = server.addresses[0].port!
        for tcp in [false, true] {
            let bytes = query("WWW.example.test", id: 42).encoded()
            let raw = tcp ? try SocketClient.tcp([bytes], port: port)[0] : try #require(try SocketClient.udp(bytes, port: port))
            let reply = try Message(decoding: raw)
            #expect(reply.header.id == 42 && reply.header.isResponse && reply.header.recursionAvailable && !reply.header.authoritative)
            #expect(reply.questions[0].name.wire == name("WWW.example.test").wire)
            #expect(reply.answerAddresses == ["192.0.2.10"])
        }
        await upstream.stop()
        let cached = try Message(decoding: try #require(try SocketClient.udp(query("www.example.test", id: 43).encoded(), port: port)))
        #expect(cached.answerAddresses == ["192.0.2.10"] && cached.answers[0].ttl <= 5)
        // The TCP query was a hit in the shared cache (TCP answers are never kept per loop).
        #expect(service.cache.withLockedValue { $0.hits } >= 1)
    }

    @Test func repeatedForwardedQuestionsAreAnsweredFromTheListenersOwnCache() async throws {
        let (_, upstream) = try await upstreamServer()
        let (service, server) = try await forwardingServer(upstreamPort: upstream.addresses[0].port!)
        defer { Task { await server.stop(); await upstream.stop() } }
        let port = server.addresses[0].port!
        for id in UInt16(1)...6 {
            let reply = try Message(decoding: try #require(try SocketClient.udp(query("www.example.test", id: id).encoded(), port: port)))
            #expect(reply.header.id == id && reply.answerAddresses == ["192.0.2.10"])
        }
        // The first went upstream; at most the second found it in the shared cache (the
        // listener takes forwarded answers in before its next query); the rest never left it.
        let (hits, misses) = service.cache.withLockedValue { ($0.hits, $0.misses) }
        #expect(misses == 1 && hits <= 1, "shared cache hits \(hits), misses \(misses)")
    }

    @Test func aCNAMEOutOfOurZonesIsChasedThroughTheUpstreams() async throws {
        let (_, upstream) = try await upstreamServer()
        let (_, server) = try await forwardingServer(upstreamPort: upstream.addresses[0].port!)
        defer { Task { await server.stop(); await upstream.stop() } }
        let reply = try Message(decoding: try #require(try SocketClient.udp(query("ext.dcos.thisdcos.directory").encoded(), port: server.addresses[0].port!)))
        #expect(reply.answers.first?.data == .cname(name("www.example.test")) && reply.answerAddresses == ["192.0.2.10"])
        #expect(reply.responseCode == .noError && !reply.header.authoritative)
    }

    @Test func anUpstreamAnswerCutShortStaysTruncatedAndTCPGetsItWhole() async throws {
        let (_, upstream) = try await upstreamServer()
        let (_, server) = try await forwardingServer(upstreamPort: upstream.addresses[0].port!)
        defer { Task { await server.stop(); await upstream.stop() } }
        let port = server.addresses[0].port!
        let udp = try Message(decoding: try #require(try SocketClient.udp(query("big.example.test", edns: EDNS()).encoded(), port: port)))
        #expect(udp.header.truncated && udp.answers.count < 150)
        let tcp = try Message(decoding: try SocketClient.tcp([query("big.example.test", edns: EDNS()).encoded()], port: port)[0])
        #expect(!tcp.header.truncated && tcp.answers.count == 150)
    }

    @Test func whenEveryUpstreamFailsTheAnswerIsSERVFAILWithQR() async throws {
        let (_, server) = try await forwardingServer(upstreamPort: 9)  // discard port: nobody answers
        defer { Task { await server.stop() } }
        let port = server.addresses[0].port!
        let reply = try Message(decoding: try #require(try SocketClient.udp(query("nothing.example.org", id: 5).encoded(), port: port, timeoutSeconds: 5)))
        #expect(reply.responseCode == .serverFailure && reply.header.isResponse && reply.header.id == 5)
        #expect(reply.questions.first?.name == name("nothing.example.org"))
    }

    @Test func negativeForwardedAnswersAreCachedWithTheirSOA() async throws {
        let (_, upstream) = try await upstreamServer()
        let (service, server) = try await forwardingServer(upstreamPort: upstream.addresses[0].port!)
        defer { Task { await server.stop() } }
        let port = server.addresses[0].port!
        let first = try Message(decoding: try #require(try SocketClient.udp(query("missing.example.test").encoded(), port: port)))
        #expect(first.responseCode == .nameError && first.authorities.first?.type == .soa)
        await upstream.stop()
        let second = try Message(decoding: try #require(try SocketClient.udp(query("missing.example.test").encoded(), port: port)))
        #expect(second.responseCode == .nameError && second.authorities.first?.type == .soa)
        #expect(service.cache.withLockedValue { $0.count } == 1)
    }
}
