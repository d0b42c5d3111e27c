import Glibc
import LashupCRDT
import LashupClusterTesting
import LashupLB
import Testing

/// Latency-aware weights in running balancers: real probes of real loopback servers change
/// what every node programs, and the listing shows why.
@Suite("latency-aware weights, probing")
struct LatencyProbingTests {
    static let web = VIPKey(.tcp, .address(IPAddress("11.1.1.1")!), port: 80)
    static let service = ServiceKey(transport: .tcp, address: IPAddress("11.1.1.1")!, port: 80)

    @Test("a backend that refuses connections is ejected on every node, and returns once it listens")
    func ejectedAndReturns() async throws {
        // Never accepted: a probe's reset connection stays queued, so the queue must outlast
        // the test's probes (two nodes, ten rounds a second).
        let (server, port) = try TCPConnectProberTests.listener(backlog: 4_096)
        defer { close(server) }
        let (closed, closedPort) = try TCPConnectProberTests.listener(backlog: 1)
        close(closed)
        var settings = LatencyWeights.Settings()
        settings.ejection = .milliseconds(500)
        let cluster = InMemoryCluster(nodes: 2, seed: 7)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster, recording: true, latencyWeights: settings, probeInterval: .milliseconds(100))
        let loopback = TCPConnectProberTests.loopback
        try await balanced.balancers[0].setBackend(Self.web, address: loopback, port: port)
        try await balanced.balancers[1].setBackend(Self.web, address: loopback, port: closedPort)
        let ejected = await LoadBalancerTests.eventually(balanced) { planes in
            planes.allSatisfy { $0[Self.service]?.map(\.weight).sorted() == [0, 1] }
        }
        #expect(ejected, "the refusing backend still chosen: \(balanced.dataplanes.map { $0.programmed.withLock { $0 }[Self.service] ?? [] })")
        let listing = await balanced.balancers[0].listing().first { $0.vip == Self.web }
        let row = listing?.backends.first { $0.backend.port == closedPort }
        #expect(row?.ejected?.lowercased().contains("refused") == true && row?.used == false, "\(String(describing: row))")
        #expect(listing?.backends.first { $0.backend.port == port }?.latency != nil)

        // It listens again (same port): back in on every node.
        let (reopened, _) = try TCPConnectProberTests.listener(backlog: 4_096, port: closedPort)
        defer { close(reopened) }
        let returned = await LoadBalancerTests.eventually(balanced) { planes in
            planes.allSatisfy { $0[Self.service]?.map(\.weight) == [1, 1] }
        }
        #expect(returned)
        await balanced.stop()
    }
}
