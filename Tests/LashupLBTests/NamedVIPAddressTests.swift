import LashupCRDT
import LashupClusterTesting
import LashupLB
import LashupMembership
import Testing

/// Named VIP addresses on real nodes: every node derives the same mapping from the store,
/// an existing VIP's address never moves, and names created concurrently in a partition
/// settle on one deterministic outcome.
@Suite("named VIP addresses")
struct NamedVIPAddressTests {
    static let names = ["web", "api", "db", "cache", "queue", "auth", "search", "mail"]

    static func vip(_ name: String, port: UInt16 = 80) -> VIPKey { VIPKey(.tcp, .name("\(name).marathon"), port: port) }

    /// A random add or remove of this node's backend of a random name, on a random node.
    static func randomStep(_ random: inout SeededRandom, nodes: [Int], on balanced: BalancedCluster) async throws {
        let node = nodes[Int(random.next() % UInt64(nodes.count))]
        let name = names[Int(random.next() % UInt64(names.count))]
        let port: UInt16 = random.next() % 3 == 0 ? 443 : 80
        let address = IPAddress.v4(0x0A00_0000 + UInt32(node + 1))
        if random.next() % 3 == 0 {
            try await balanced.balancers[node].removeBackend(vip(name, port: port), address: address, port: 8080)
        } else {
            try await balanced.balancers[node].setBackend(vip(name, port: port), address: address, port: 8080, weight: UInt32(1 + random.next() % 3))
        }
    }

    @Test("sequential histories: all nodes agree after every step, and no existing name's address ever moves", arguments: 1...6)
    func sequential(seed: UInt64) async throws {
        let cluster = InMemoryCluster(nodes: 4, seed: seed)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster)
        var random = SeededRandom(seed: seed)
        var firstAddress: [String: UInt32] = [:]
        var checked = 0
        for _ in 0..<25 {
            try await Self.randomStep(&random, nodes: [0, 1, 2, 3], on: balanced)
            #expect(await balanced.settle(), "seed \(seed): the nodes did not agree")
            let table = await balanced.tables()[0]
            for name in firstAddress.keys where table.namedIndices[name] == nil { firstAddress[name] = nil }
            for (name, index) in table.namedIndices {
                if let first = firstAddress[name] {
                    checked += 1
                    #expect(first == index, "seed \(seed): \(name) moved from \(first) to \(index)")
                } else {
                    firstAddress[name] = index
                }
            }
            #expect(Set(table.namedIndices.values).count == table.namedIndices.count, "two names share an address")
        }
        #expect(checked > 20, "the history kept too few names alive to test anything")
        await balanced.stop()
    }

    @Test("concurrent histories in a partition: after the heal all nodes agree, addresses are distinct, and then nothing moves", arguments: 1...6)
    func partitioned(seed: UInt64) async throws {
        let cluster = InMemoryCluster(nodes: 4, seed: seed)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster)
        var random = SeededRandom(seed: seed &+ 100)
        await cluster.partition([0, 1], [2, 3])
        for _ in 0..<30 {
            try await Self.randomStep(&random, nodes: [0, 1, 2, 3], on: balanced)
            await cluster.advance(by: .milliseconds(300))
        }
        await cluster.heal()
        #expect(await balanced.settle(rounds: 30), "seed \(seed): the nodes did not agree after the heal")
        let healed = await balanced.tables()[0]
        #expect(healed.namedIndices.count >= 3, "the history left too few names to test anything")
        #expect(Set(healed.namedIndices.values).count == healed.namedIndices.count)
        for _ in 0..<3 { await cluster.advance(by: .seconds(2)) }
        #expect(await balanced.settle())
        let later = await balanced.tables()[0]
        #expect(later.namedIndices == healed.namedIndices, "an address moved after the cluster settled: \(healed.namedIndices) then \(later.namedIndices); backends \(healed.backends.keys.sorted()) then \(later.backends.keys.sorted())")
        await balanced.stop()
    }

    /// Two names whose hashes pick the same address, found by search (not written down).
    static func collidingNames() -> (String, String) {
        var seen: [UInt32: String] = [:]
        for number in 0... {
            let name = "svc\(number).marathon"
            let index = NamedVIPAddresses.preferredIndex(name)
            if let other = seen[index] { return (other, name) }
            seen[index] = name
        }
        fatalError("unreachable")
    }

    @Test("two names claiming one address in a partition: the one sorting first keeps it everywhere, the other moves once")
    func collision() async throws {
        let (first, second) = Self.collidingNames()
        let (winner, loser) = first.utf8.lexicographicallyPrecedes(second.utf8) ? (first, second) : (second, first)
        let cluster = InMemoryCluster(nodes: 4, seed: 7)
        await cluster.advance(by: .seconds(5))
        let balanced = await BalancedCluster.start(cluster)
        await cluster.partition([0, 1], [2, 3])
        try await balanced.balancers[0].setBackend(VIPKey(.tcp, .name(loser), port: 80), address: .v4(0x0A00_0001), port: 80)
        try await balanced.balancers[2].setBackend(VIPKey(.tcp, .name(winner), port: 80), address: .v4(0x0A00_0003), port: 80)
        #expect(await balanced.settle(among: [0, 1]))
        #expect(await balanced.settle(among: [2, 3]))
        let preferred = NamedVIPAddresses.preferredIndex(winner)
        #expect(await balanced.tables()[0].namedIndices[loser] == preferred, "alone on its side, each name takes its hash's address")
        #expect(await balanced.tables()[2].namedIndices[winner] == preferred)
        await cluster.heal()
        #expect(await balanced.settle(rounds: 30))
        let tables = await balanced.tables()
        #expect(tables[0].namedIndices[winner] == preferred)
        let moved = try #require(tables[0].namedIndices[loser])
        #expect(moved != preferred)
        // The loser's agent wrote its new address as its claim: it stays there even once the
        // winner is gone.
        try await balanced.balancers[2].removeBackend(VIPKey(.tcp, .name(winner), port: 80), address: .v4(0x0A00_0003), port: 80)
        #expect(await balanced.settle())
        #expect(await balanced.tables()[1].namedIndices == [loser: moved])
        await balanced.stop()
    }
}
