import LashupGossip
import LashupMembership
import LashupSimulation
import LashupTestSupport
import Testing

/// Islands: parts of the overlay alive and connected among themselves, cut off from the rest.
@Suite("Islands are merged and reported", .onDedicatedThread)
struct IslandSimulationTests {
    static let nodes = 10

    func simulation(seed: UInt64) -> GossipSimulation {
        let simulation = GossipSimulation(
            nodes: Self.nodes, contacts: [0, 1, 2], seed: seed,
            network: NetworkModel(nodes: Self.nodes, latency: .milliseconds(1), loss: 0)
        )
        simulation.checkInvariants = true
        return simulation
    }

    /// The shape seed 31340 produced at 1 000 nodes: a contact boots alone, nodes whose joins
    /// to the other (still down) contacts went unanswered join it, and it stops joining
    /// anybody itself. Nobody on either side knows anybody on the other.
    /// Returns whether the island formed: node-2 has neighbours, all of them in node-3…5.
    func bootIsland(_ simulation: GossipSimulation) -> Bool {
        simulation.start(2, at: .zero)
        for index in 3...5 { simulation.start(index, at: .zero + .milliseconds(100)) }
        simulation.run(until: .zero + .seconds(5))
        let islandView = Set((simulation.node(2)?.membership.activeView ?? []).map(\.id))
        for index in [0, 1] + Array(6..<Self.nodes) { simulation.start(index, at: .zero + .seconds(5)) }
        return !islandView.isEmpty && islandView.isSubset(of: ["node-3", "node-4", "node-5"])
    }

    @Test("an island formed at boot around a late contact merges into the cluster", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func bootIslandMerges(seed: UInt64) {
        let simulation = simulation(seed: seed)
        #expect(bootIsland(simulation), "the scenario must start as an island around node-2")
        simulation.run(until: .zero + .seconds(40))
        #expect(simulation.invariantViolations.isEmpty, "\(simulation.invariantViolations.prefix(3))")
        #expect(simulation.overlayComponents().count == 1)
        for index in 0..<Self.nodes {
            let node = simulation.node(index)!
            #expect(node.records.count == Self.nodes, "node-\(index) knows \(node.records.count) records")
            #expect(node.unreachable.isEmpty, "node-\(index) cannot reach \(node.unreachable)")
            #expect(node.overlaySplit == nil)
        }
    }

    @Test("a cut-off group reports the split once, and its end once, and merges after the heal", arguments: [7, 8] as [UInt64])
    func partitionedGroupReportsSplit(seed: UInt64) {
        let simulation = simulation(seed: seed)
        var splitEvents: [Int: Int] = [:]
        var wholeEvents: [Int: Int] = [:]
        simulation.onEvent = { _, index, observation in
            switch observation {
            case .node(.overlaySplit): splitEvents[index, default: 0] += 1
            case .node(.overlayWhole): wholeEvents[index, default: 0] += 1
            default: break
            }
        }
        for index in 0..<Self.nodes { simulation.start(index, at: .zero + .milliseconds(Int64(index) * 50)) }
        simulation.run(until: .zero + .seconds(15))
        #expect(simulation.overlayComponents().count == 1)
        #expect((0..<Self.nodes).allSatisfy { simulation.node($0)?.overlaySplit == nil }, "no split in a whole cluster")

        let group = [6, 7, 8]
        let rest = (0..<Self.nodes).filter { !group.contains($0) }
        simulation.network.partition(group, rest, symmetric: true)
        simulation.run(until: .zero + .seconds(45))
        for index in group {
            let split = simulation.node(index)?.overlaySplit
            #expect(split?.unreachableContacts == ["node-0", "node-1", "node-2"], "node-\(index): \(String(describing: split))")
            #expect(splitEvents[index] == 1, "node-\(index) reported the split \(splitEvents[index] ?? 0) times")
        }

        simulation.network.heal()
        simulation.run(until: .zero + .seconds(75))
        #expect(simulation.overlayComponents().count == 1)
        for index in 0..<Self.nodes {
            #expect(simulation.node(index)?.overlaySplit == nil, "node-\(index) still reports a split")
            #expect(wholeEvents[index, default: 0] == splitEvents[index, default: 0], "node-\(index): every reported split ended once")
        }
        #expect(simulation.invariantViolations.isEmpty, "\(simulation.invariantViolations.prefix(3))")
    }

    /// Whatever joins the nodes and whatever faults happen, once the network is whole and
    /// every node is up again, the cluster becomes one component and stays one.
    @Test("random boot orders, partitions, crashes and wiped disks always heal into one component", arguments: Array(20..<26) as [UInt64])
    func randomFaultsHeal(seed: UInt64) {
        let count = 12
        let simulation = GossipSimulation(
            nodes: count, contacts: [0, 1, 2], seed: seed,
            network: NetworkModel(nodes: count, latency: .milliseconds(1), loss: 0)
        )
        simulation.checkInvariants = true
        var random = SeededRandom(seed: seed)
        func pick(_ range: Range<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }
        // Boot in a random order over 8 s: contacts may come up last.
        for index in 0..<count { simulation.start(index, at: .zero + .milliseconds(Int64(pick(0..<8_000)))) }
        var time = Instant.zero + .seconds(10)
        simulation.run(until: time)
        for _ in 0..<6 {
            switch pick(0..<4) {
            case 0:
                var nodes = Array(0..<count)
                for position in nodes.indices { nodes.swapAt(position, pick(position..<count)) }
                let cut = pick(1..<count)
                simulation.network.partition(Array(nodes[..<cut]), Array(nodes[cut...]), symmetric: pick(0..<3) != 0)
            case 1:
                let victim = pick(0..<count)
                simulation.crash(victim)
                if pick(0..<2) == 0 { simulation.wipe(victim) }
            case 2:
                for index in 0..<count where simulation.status[index] == .crashed { simulation.start(index) }
            default:
                simulation.network.heal()
            }
            time = time + .seconds(Int64(pick(2..<20)))
            simulation.run(until: time)
        }
        simulation.network.heal()
        for index in 0..<count where simulation.status[index] == .crashed { simulation.start(index) }
        time = time + .seconds(60)
        simulation.run(until: time)
        #expect(simulation.overlayComponents().count == 1, "components: \(simulation.overlayComponents())")
        // And stays one.
        simulation.run(until: time + .seconds(30))
        #expect(simulation.overlayComponents().count == 1, "components: \(simulation.overlayComponents())")
        for index in 0..<count {
            let node = simulation.node(index)!
            #expect(node.reachable.count == count, "node-\(index) reaches \(node.reachable.count) of \(count)")
            #expect(node.overlaySplit == nil, "node-\(index): \(String(describing: node.overlaySplit))")
        }
        #expect(simulation.invariantViolations.isEmpty, "\(simulation.invariantViolations.prefix(3))")
    }

    @Test("a lone crashed node is a failure, not a split")
    func crashIsNotSplit() {
        let simulation = simulation(seed: 9)
        for index in 0..<Self.nodes { simulation.start(index) }
        simulation.run(until: .zero + .seconds(15))
        simulation.crash(7)
        simulation.run(until: .zero + .seconds(45))
        for index in 0..<Self.nodes where index != 7 {
            let node = simulation.node(index)!
            #expect(!node.isReachable("node-7"))
            #expect(node.overlaySplit == nil, "node-\(index): \(String(describing: node.overlaySplit))")
        }
    }

    @Test("probes back off while they find nothing, and a dead member is still probed")
    func probeBackoff() {
        let simulation = simulation(seed: 10)
        for index in 0..<Self.nodes { simulation.start(index) }
        simulation.run(until: .zero + .seconds(15))
        simulation.crash(7)
        simulation.run(until: .zero + .seconds(30))
        let early = (0..<Self.nodes).filter { $0 != 7 }.map { simulation.node($0)!.probesSent }
        simulation.run(until: .zero + .seconds(330))
        let late = (0..<Self.nodes).filter { $0 != 7 }.map { simulation.node($0)!.probesSent }
        for (before, after) in zip(early, late) {
            // 300 s at the base interval (3 s) would be about 100 probes; at the 30 s cap, 10.
            #expect(after > before, "the dead member is still probed")
            #expect(after - before <= 20, "probes did not back off: \(after - before) in 300 s")
        }
    }
}
