import LashupGossip
import LashupMembership
import LashupSimulation
import LashupTestSupport
import Testing

@Suite("Broadcast and global membership in simulation", .onDedicatedThread)
struct GossipSimulationTests {
    func scenario(seed: UInt64) -> GossipScenario {
        var scenario = GossipScenario(nodes: 30, seed: seed)
        scenario.messages = 40
        scenario.crashCount = 3
        scenario.crashFraction = 0.2
        scenario.partitionSeconds = 20
        scenario.checkInvariants = true
        return scenario
    }

    @Test("30 nodes: exactly-once delivery, no redundancy, failures known, partitions heal", arguments: [1, 2] as [UInt64])
    func wholeScenario(seed: UInt64) {
        let result = scenario(seed: seed).run()
        #expect(result.invariantViolations.isEmpty, "\(result.invariantViolations)")
        #expect(result.deliveryRatio == 1)
        #expect(result.relativeMessageRedundancy < 0.1)
        #expect(result.failureKnownNever == 0)
        #expect(result.failureKnownMeasured == 3)
        #expect((result.failureKnownP99Milliseconds ?? .infinity) < 3_000)
        #expect((result.deliveryRatioAfterCrash ?? 0) >= 0.99)
        #expect(result.deliveryRatioAfterRepair == 1)
        #expect(result.componentsDuringPartition == 2)
        #expect((result.partitionHealedSeconds ?? .infinity) <= 30)
    }

    @Test("the same seed replays the same trace")
    func determinism() {
        var small = scenario(seed: 5)
        small.partitionSeconds = 0
        small.crashFraction = 0
        #expect(small.run().traceHash == small.run().traceHash)
    }

    @Test("every node learns every other node's record and sees all live nodes reachable")
    func globalTable() {
        let simulation = GossipSimulation(nodes: 20, contacts: [0, 1], seed: 3, network: NetworkModel(nodes: 20, latency: .milliseconds(1), loss: 0))
        var routeEvents = 0
        simulation.onEvent = { _, _, observation in
            if case .node(.routesChanged) = observation { routeEvents += 1 }
        }
        for index in 0..<20 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(15))
        #expect(routeEvents > 0)
        let beforeCrash = routeEvents
        simulation.crash(7)
        simulation.run(until: .zero + .seconds(25))
        #expect(routeEvents > beforeCrash, "a crash changes routes")
        for index in 0..<20 where index != 7 {
            let node = simulation.node(index)!
            #expect(node.records.count == 20, "node-\(index) knows \(node.records.count) records")
            #expect(!node.isReachable("node-7"))
            #expect(node.reachable.count == 19)
            let other = (index + 1) % 20 == 7 ? 8 : (index + 1) % 20
            #expect(node.path(to: NodeID("node-\(other)")) != nil)
        }
    }

    @Test("messages are counted by kind: the counts add up to every message sent, busiest first")
    func messageKinds() {
        let simulation = GossipSimulation(nodes: 12, contacts: [0], seed: 6, network: NetworkModel(nodes: 12, latency: .milliseconds(1), loss: 0), topics: ["t"])
        for index in 0..<12 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(5))
        simulation.broadcast(from: 3, topic: "t", payload: [1])
        simulation.run(until: .zero + .seconds(10))
        let rates = simulation.messageRates(nodes: 12, seconds: 10)
        let total = rates.reduce(0) { $0 + $1.perNodePerSecond } * 12 * 10
        #expect(abs(total - Double(simulation.messagesSent)) < 0.5, "\(rates)")
        #expect(Set(rates.map(\.kind)).isSuperset(of: ["ping", "pong", "gossip", "join"]), "\(rates)")
        #expect(Set(rates.map(\.kind)).count == rates.count, "one entry per kind")
        #expect(rates.map(\.perNodePerSecond) == rates.map(\.perNodePerSecond).sorted(by: >))
    }

    @Test("a restarted node's new incarnation supersedes its old record everywhere")
    func restartIncarnation() {
        let simulation = GossipSimulation(nodes: 10, contacts: [0], seed: 4, network: NetworkModel(nodes: 10, latency: .milliseconds(1), loss: 0))
        for index in 0..<10 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(10))
        simulation.restart(5)
        simulation.run(until: .zero + .seconds(20))
        for index in 0..<10 {
            #expect(simulation.node(index)?.records[NodeID("node-5")]?.incarnation == 2)
            #expect(simulation.node(index)?.isReachable("node-5") == true)
        }
    }

    @Test("records of nodes unreachable past the expiry are dropped")
    func expiry() {
        var config = GossipNodeConfig()
        config.recordExpiry = .seconds(30)
        config.expiryInterval = .seconds(5)
        let simulation = GossipSimulation(nodes: 10, contacts: [0], seed: 6, network: NetworkModel(nodes: 10, latency: .milliseconds(1), loss: 0), config: config)
        for index in 0..<10 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(10))
        simulation.crash(3)
        simulation.run(until: .zero + .seconds(20))
        #expect(simulation.node(0)?.records[NodeID("node-3")] != nil, "kept while within the expiry")
        simulation.run(until: .zero + .seconds(60))
        #expect(simulation.node(0)?.records[NodeID("node-3")] == nil)
        #expect(simulation.node(0)?.records.count == 9)
    }
}
