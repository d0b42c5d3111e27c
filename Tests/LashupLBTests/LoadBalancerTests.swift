import LashupCRDT
import LashupClusterTesting
import LashupLB
import Testing

/// The load balancer on real in-memory nodes with a recording dataplane: what each node
/// programs follows the store and its reachability, DNS follows what is programmed, and a
/// removed UDP backend's flows are forgotten.
@Suite("load balancer")
struct LoadBalancerTests {
    static let web = VIPKey(.tcp, .address(IPAddress("11.1.1.1")!), port: 80)
    static let dns = VIPKey(.udp, .name("dns.marathon"), port: 53)

    static func address(_ node: Int) -> IPAddress { .v4(0x0A00_0000 + UInt32(node + 1)) }

    /// Waits (real time, briefly) until `condition` holds on the recorded dataplanes.
    static func eventually(_ balanced: BalancedCluster, _ condition: @escaping ([[ServiceKey: [Backend]]]) -> Bool) async -> Bool {
        for _ in 0..<20 {
            await balanced.cluster.advance(by: .milliseconds(500))
            for _ in 0..<50 {
                if condition(balanced.dataplanes.map { $0.programmed.withLock { $0 } }) { return true }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        return false
    }

    @Test("every node programs every node's backends; a crashed node's backends leave the others within 2 s and come back")
    func reachability() async throws {
        let cluster = InMemoryCluster(nodes: 3, seed: 3)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster, recording: true)
        for node in 0..<3 { try await balanced.balancers[node].setBackend(Self.web, address: Self.address(node), port: 8080) }
        let service = ServiceKey(transport: .tcp, address: IPAddress("11.1.1.1")!, port: 80)
        #expect(await Self.eventually(balanced) { $0.allSatisfy { $0[service]?.count == 3 } })

        await cluster.crash(2)
        let started = await cluster.now
        #expect(await Self.eventually(balanced) { Array($0.prefix(2)).allSatisfy { $0[service]?.map(\.agent) == ["node-0", "node-1"] } })
        let took = await cluster.now - started
        #expect(took <= .seconds(2), "the crashed node's backend was still used after \(took)")

        await cluster.restart(2)
        #expect(await Self.eventually(balanced) { Array($0.prefix(2)).allSatisfy { $0[service]?.count == 3 } })
        await balanced.stop()
    }

    @Test("a drained backend stays published for the drain bound, then its agent withdraws it; the VIP goes with its last backend")
    func drainedBackendsAreWithdrawn() async throws {
        let cluster = InMemoryCluster(nodes: 2, seed: 6)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster, recording: true, drainTimeout: .seconds(3))
        let service = ServiceKey(transport: .tcp, address: IPAddress("11.1.1.1")!, port: 80)
        for node in 0..<2 { try await balanced.balancers[node].setBackend(Self.web, address: Self.address(node), port: 8080) }
        #expect(await Self.eventually(balanced) { $0.allSatisfy { $0[service]?.count == 2 } })
        // Taken before the write, whose timestamp the bound counts from.
        let drainedAt = ContinuousClock.now
        try await balanced.balancers[1].setBackend(Self.web, address: Self.address(1), port: 8080, weight: 0)
        #expect(await Self.eventually(balanced) { $0.allSatisfy { $0[service]?.map(\.weight) == [1, 0] } }, "drained, still published")
        var withdrawn = false
        while !withdrawn, ContinuousClock.now - drainedAt < .seconds(15) {
            withdrawn = await Self.eventually(balanced) { $0.allSatisfy { $0[service]?.map(\.agent) == ["node-0"] } }
        }
        #expect(withdrawn, "withdrawn after the bound")
        #expect(ContinuousClock.now - drainedAt >= .seconds(3), "withdrawn before the drain bound")
        // The last backend drained and withdrawn: the VIP is gone everywhere.
        let lastDrainedAt = ContinuousClock.now
        try await balanced.balancers[0].setBackend(Self.web, address: Self.address(0), port: 8080, weight: 0)
        var gone = false
        while !gone, ContinuousClock.now - lastDrainedAt < .seconds(15) {
            gone = await Self.eventually(balanced) { $0.allSatisfy { $0[service] == nil } }
        }
        #expect(gone)
        #expect(await balanced.tables().allSatisfy { $0.backends.isEmpty })
        await balanced.stop()
    }

    @Test("fail open: when no backend's agent is reachable, all are kept")
    func failOpen() async throws {
        let cluster = InMemoryCluster(nodes: 3, seed: 4)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster, recording: true)
        try await balanced.balancers[2].setBackend(Self.web, address: Self.address(2), port: 8080)
        let service = ServiceKey(transport: .tcp, address: IPAddress("11.1.1.1")!, port: 80)
        #expect(await Self.eventually(balanced) { $0.allSatisfy { $0[service]?.count == 1 } })
        await cluster.partition([0, 1], [2])
        await cluster.advance(by: .seconds(5))
        #expect(await Self.eventually(balanced) { $0[0][service]?.map(\.agent) == ["node-2"] }, "the only backend is kept although unreachable")
        await balanced.stop()
    }

    @Test("a named VIP is in DNS only once programmed; its UDP backend removed is forgotten in conntrack; the last one removed takes the VIP away")
    func dnsAndUDP() async throws {
        let cluster = InMemoryCluster(nodes: 2, seed: 5)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster, recording: true)
        try await balanced.balancers[0].setBackend(Self.dns, address: Self.address(0), port: 53)
        try await balanced.balancers[1].setBackend(Self.dns, address: Self.address(1), port: 53)
        #expect(await Self.eventually(balanced) { $0.allSatisfy { $0.values.first?.count == 2 } })
        for dataplane in balanced.dataplanes {
            let records = dataplane.dns.withLock { $0 }.map(\.description)
            let programmed = dataplane.programmed.withLock { $0 }.keys.map(\.address.description)
            #expect(records.count == 1 && records[0].hasPrefix("dns.marathon.l4lb.thisdcos.directory"), "\(records)")
            #expect(programmed.count == 1 && records[0].hasSuffix(programmed[0]), "DNS \(records) vs kernel \(programmed)")
        }
        try await balanced.balancers[1].removeBackend(Self.dns, address: Self.address(1), port: 53)
        #expect(await Self.eventually(balanced) { $0.allSatisfy { $0.values.first?.count == 1 } })
        for dataplane in balanced.dataplanes {
            let forgotten = dataplane.forgotten.withLock { $0 }
            #expect(forgotten.filter { $0.hasSuffix(" any") }.count == 1, "the new UDP VIP's flows made before it was programmed are forgotten: \(forgotten)")
            #expect(forgotten.filter { $0.contains("10.0.0.2") }.count == 1, "the removed UDP backend's flows are forgotten on every node: \(forgotten)")
        }
        try await balanced.balancers[0].removeBackend(Self.dns, address: Self.address(0), port: 53)
        #expect(await Self.eventually(balanced) { $0.allSatisfy { $0.isEmpty } })
        for dataplane in balanced.dataplanes { #expect(dataplane.dns.withLock { $0 }.isEmpty) }
        #expect(await balanced.tables().allSatisfy { $0.backends.isEmpty && $0.namedIndices.isEmpty })
        await balanced.stop()
    }

    @Test("bad publications are refused with why")
    func badInput() async throws {
        let cluster = InMemoryCluster(nodes: 1, seed: 6)
        let balanced = await BalancedCluster.start(cluster)
        await #expect(throws: LBError.invalid("backend fd00::1 is not of tcp://11.1.1.1:80's address family")) {
            try await balanced.balancers[0].setBackend(Self.web, address: IPAddress("fd00::1")!, port: 80)
        }
        await #expect(throws: LBError.self) { try await balanced.balancers[0].setBackend(Self.web, address: Self.address(0), port: 0) }
        await #expect(throws: LBError.self) { try await balanced.balancers[0].setBackend(Self.web, address: Self.address(0), port: 80, weight: 10_001) }
        await balanced.stop()
    }
}
