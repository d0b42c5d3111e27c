import LashupCRDT
import LashupGossip
import LashupMembership
import LashupNode
import LashupSimulation
import LashupStore
import LashupTestSupport
import Testing

/// The replicated store on full simulated nodes: deltas over Plumtree, anti-entropy repair,
/// persistence across crashes, wiped disks and tombstone collection.
@Suite("Cluster replication", .onDedicatedThread)
struct ClusterReplicationTests {
    func cluster(_ count: Int, seed: UInt64, loss: Double = 0, config: ClusterConfig = ClusterConfig()) -> ClusterSimulation {
        let simulation = ClusterSimulation(
            nodes: count, contacts: [0], seed: seed,
            network: NetworkModel(nodes: count, latency: .milliseconds(2), loss: loss), config: config
        )
        simulation.checkInvariants = true
        return simulation
    }

    func key(_ path: String) -> Key { try! Key(parsing: path) }

    @Test("updates on every node reach every node, and no increment is lost")
    func deltasConverge() {
        let simulation = cluster(12, seed: 3)
        for index in 0..<12 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(5))
        var expected: Int64 = 0
        for round in 0..<20 {
            let writer = round % 12
            #expect(simulation.update(on: writer, key("counters/c\(round % 3)"), [.update("n", .increment(Int64(round + 1)))]) != nil)
            expected += Int64(round + 1)
        }
        simulation.run(until: .zero + .seconds(8))
        for index in 0..<12 {
            let space = simulation.node(index)!.space
            let total = (0..<3).reduce(Int64(0)) { $0 + space.value(key("counters/c\($1)")).store.counter("n") }
            #expect(total == expected, "node-\(index) counts \(total) of \(expected)")
        }
        #expect(simulation.distinctKeySpaces() == 1)
        #expect(simulation.node(0)!.statistics.deltasBroadcast > 0)
        #expect(simulation.invariantViolations.isEmpty, "\(simulation.invariantViolations.prefix(3))")
    }

    /// The original's test: every node increments a counter before the overlay exists, so no
    /// delta reaches anyone; anti-entropy alone must bring every node to the full total.
    @Test("increments made before the overlay exists all arrive through anti-entropy")
    func antiEntropyAloneConverges() {
        let nodes = 10
        let simulation = cluster(nodes, seed: 11)
        for index in 0..<nodes {
            simulation.start(index)
            #expect(simulation.update(on: index, key("total"), [.update("n", .increment(1))]) != nil)
        }
        simulation.run(until: .zero + .seconds(30))
        for index in 0..<nodes {
            #expect(simulation.node(index)!.space.value(key("total")).store.counter("n") == Int64(nodes), "node-\(index)")
        }
        let repaired = (0..<nodes).reduce(0) { $0 + simulation.node($1)!.statistics.keysRepaired }
        #expect(repaired > 0, "the writes arrived by anti-entropy")
    }

    @Test("an acknowledged write survives a crash right after it and reaches everyone")
    func acknowledgedWriteSurvivesCrash() {
        let simulation = cluster(6, seed: 5)
        for index in 0..<6 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(5))
        // Node 4 is cut off, so its delta goes nowhere; it crashes right after the ack.
        simulation.network.partition([4], [0, 1, 2, 3, 5], symmetric: true)
        #expect(simulation.update(on: 4, key("svc/a"), [.update("members", .add("10.0.0.4"))]) != nil)
        simulation.crash(4)
        simulation.network.heal()
        simulation.start(4)
        simulation.run(until: .zero + .seconds(25))
        for index in 0..<6 {
            #expect(simulation.node(index)!.space.value(key("svc/a")).store.set("members") == ["10.0.0.4"], "node-\(index)")
        }
    }

    @Test("a node that restarts with a wiped disk under its old name receives everything")
    func wipedDiskCatchesUp() {
        let simulation = cluster(6, seed: 8)
        for index in 0..<6 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(5))
        for round in 0..<10 {
            simulation.update(on: round % 6, key("k/\(round)"), [.update("v", .assign(.integer(Int64(round)), timestamp: UInt64(round)))])
        }
        simulation.run(until: .zero + .seconds(8))
        simulation.crash(2)
        simulation.wipe(2)
        simulation.start(2)
        // It writes again at once, as a new replica: its dots cannot collide with its old ones.
        simulation.update(on: 2, key("k/0"), [.update("w", .increment(1))])
        simulation.run(until: .zero + .seconds(30))
        let restarted = simulation.node(2)!.space
        #expect(restarted.keys(matching: try! KeyPattern(parsing: "k")).count == 10)
        #expect(simulation.distinctKeySpaces() == 1)
        #expect(simulation.node(0)!.space.value(key("k/0")).store.counter("w") == 1)
    }

    @Test("a deleted key stays deleted, and its tombstone is collected once every member holds it")
    func tombstonesAreCollected() {
        var config = ClusterConfig()
        config.tombstoneReportInterval = .seconds(2)
        config.tombstoneMinimumAge = .seconds(10)
        let simulation = cluster(8, seed: 21, config: config)
        for index in 0..<8 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(5))
        simulation.update(on: 1, key("gone"), [.update("s", .add("x"))])
        simulation.update(on: 1, key("kept"), [.update("s", .add("y"))])
        simulation.run(until: .zero + .seconds(7))
        #expect(simulation.delete(on: 3, key("gone")))
        simulation.run(until: .zero + .seconds(9))
        for index in 0..<8 {
            #expect(simulation.node(index)!.space.tombstones == [key("gone")], "node-\(index) holds the tombstone")
        }
        simulation.run(until: .zero + .seconds(60))
        for index in 0..<8 {
            let node = simulation.node(index)!
            #expect(node.space.objects[key("gone")] == nil, "node-\(index) collected the tombstone")
            #expect(node.space.keys(matching: try! KeyPattern(parsing: "")) == [key("kept")])
        }
        #expect(simulation.distinctKeySpaces() == 1)
    }

    @Test("a tombstone is not collected while a member that has not seen it is down")
    func tombstoneWaitsForDownMember() {
        var config = ClusterConfig()
        config.tombstoneReportInterval = .seconds(2)
        config.tombstoneMinimumAge = .seconds(5)
        let simulation = cluster(6, seed: 4, config: config)
        for index in 0..<6 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(5))
        simulation.update(on: 0, key("x"), [.update("s", .add("old"))])
        simulation.run(until: .zero + .seconds(7))
        simulation.crash(5)
        simulation.delete(on: 0, key("x"))
        simulation.run(until: .zero + .seconds(40))
        #expect(simulation.node(0)!.space.tombstones == [key("x")], "held while node-5 is down")
        simulation.start(5)
        simulation.run(until: .zero + .seconds(90))
        for index in 0..<6 {
            let space = simulation.node(index)!.space
            #expect(space.value(key("x")).store.set("s").isEmpty, "node-\(index): the old value did not come back")
            #expect(space.objects[key("x")] == nil, "node-\(index) collected it after node-5 caught up")
        }
    }

    @Test("an undecodable replication payload is counted and dropped")
    func malformedDeltaIsRejected() {
        var node = LashupNode(me: Peer("a"), incarnation: 1, replica: "a~1", contacts: [], seed: 1)
        _ = node.handle(.start, now: .zero)
        let id = BroadcastID(origin: "b", incarnation: 1, sequence: 1)
        let garbage = ClusterMessage.node(.gossip(.gossip(id: id, topic: KeyDelta.topic, payload: [0xFF, 0x01], hops: 0)))
        _ = node.handle(.message(from: Peer("b"), garbage), now: .zero + .seconds(1))
        #expect(node.statistics.payloadsRejected == 1)
        #expect(node.space.objects.isEmpty)
    }

    @Test("the same seed replays the same trace")
    func deterministic() {
        func trace(_ seed: UInt64) -> UInt64 {
            let simulation = cluster(8, seed: seed, loss: 0.02)
            for index in 0..<8 { simulation.start(index) }
            simulation.run(until: .zero + .seconds(3))
            for round in 0..<16 { simulation.update(on: round % 8, key("c"), [.update("n", .increment(1))]) }
            simulation.crash(3)
            simulation.run(until: .zero + .seconds(6))
            simulation.start(3)
            simulation.run(until: .zero + .seconds(15))
            return simulation.traceHash.value
        }
        #expect(trace(7) == trace(7))
        #expect(trace(7) != trace(8))
    }
}
