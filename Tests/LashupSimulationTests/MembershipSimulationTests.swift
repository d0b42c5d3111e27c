import LashupMembership
import LashupSimulation
import LashupTestSupport
import PropertyBased
import Testing

@Suite("Membership in simulation", .onDedicatedThread)
struct MembershipSimulationTests {
    func smallScenario(seed: UInt64) -> MembershipScenario {
        var scenario = MembershipScenario(nodes: 40, seed: seed)
        scenario.duration = .seconds(30)
        scenario.checkInvariants = true
        return scenario
    }

    @Test("the same seed replays the same trace; another seed does not")
    func determinism() {
        let first = smallScenario(seed: 7).run()
        let second = smallScenario(seed: 7).run()
        let other = smallScenario(seed: 8).run()
        #expect(first.traceHash == second.traceHash)
        #expect(first.events == second.events)
        #expect(first.traceHash != other.traceHash)
    }

    @Test("40 nodes form one component, and survive a 20 % crash without false evictions", arguments: [1, 2, 3] as [UInt64])
    func joinAndCrash(seed: UInt64) {
        let result = smallScenario(seed: seed).run()
        #expect(result.invariantViolations.isEmpty, "\(result.invariantViolations)")
        #expect((result.overlayConnectedSeconds ?? .infinity) <= 30)
        #expect(result.crashed == 8)
        #expect(result.componentsAtEnd == 1)
        #expect(result.evictionsNeverCompleted == 0)
        #expect((result.evictionMaxMilliseconds ?? .infinity) <= 3_000)
        #expect(result.falseEvictions == 0)
    }

    @Test("with 5 % message loss and no crash, nobody is evicted")
    func lossWithoutFalseEvictions() {
        var scenario = smallScenario(seed: 11)
        scenario.loss = 0.05
        scenario.crashFraction = 0
        scenario.duration = .seconds(60)
        let result = scenario.run()
        #expect(result.falseEvictions == 0)
        #expect(result.componentsAtEnd == 1)
        #expect(result.invariantViolations.isEmpty)
    }

    /// The original's requirement: masters M1–M3 and agents A1–A5; A1–2 cannot reach A3–5
    /// while everyone reaches the masters. The overlay must stay connected through the masters
    /// and no agent may be evicted by anyone it can still reach.
    @Test("a partition among agents keeps the overlay connected through the masters", arguments: [true, false])
    func mastersAndAgents(symmetric: Bool) {
        let masters = [0, 1, 2]
        let simulation = MembershipSimulation(
            nodes: 8, contacts: masters, seed: 42,
            network: NetworkModel(nodes: 8, latency: .milliseconds(1), loss: 0)
        )
        simulation.checkInvariants = true
        var wrongEvictions: [String] = []
        simulation.onEvent = { time, index, event in
            guard case let .neighborDown(peer, reason) = event, reason == .failed || reason == .linkBroken,
                  let other = simulation.index(of: peer.id) else { return }
            if simulation.network.canReach(index, other) && simulation.network.canReach(other, index) {
                wrongEvictions.append("node-\(index) evicted reachable \(peer) (\(reason)) at \(time)")
            }
        }
        for index in 0..<8 { simulation.start(index, at: Instant(nanoseconds: Int64(index) * 50_000_000)) }
        simulation.run(until: .zero + .seconds(20))
        #expect(simulation.overlayComponents().count == 1)

        // One-way (A1–2 → A3–5 lost, replies get through) or both ways.
        simulation.network.partition([3, 4], [5, 6, 7], symmetric: symmetric)
        for second in 21...80 {
            simulation.run(until: .zero + .seconds(Int64(second)))
            #expect(simulation.overlayComponents().count == 1, "split at \(second) s")
        }
        // No active link may cross the cut once the detector has reacted.
        for (agent, otherSide) in [(3, [5, 6, 7]), (4, [5, 6, 7]), (5, [3, 4]), (6, [3, 4]), (7, [3, 4])] {
            let neighbours = simulation.node(agent)!.activeView.compactMap { simulation.index(of: $0.id) }
            #expect(Set(neighbours).isDisjoint(with: otherSide), "node-\(agent) still linked across the cut")
        }
        #expect(wrongEvictions.isEmpty, "\(wrongEvictions)")
        #expect(simulation.invariantViolations.isEmpty)
    }

    @Test("a restarted node rejoins from what it persisted when every contact is gone")
    func rejoinWithoutContacts() {
        let simulation = MembershipSimulation(
            nodes: 12, contacts: [0], seed: 5,
            network: NetworkModel(nodes: 12, latency: .milliseconds(1), loss: 0)
        )
        for index in 0..<12 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(20))  // persist interval is 5 s
        simulation.crash(0)
        simulation.crash(7)
        simulation.run(until: .zero + .seconds(30))
        simulation.start(7)
        simulation.run(until: .zero + .seconds(45))
        #expect(!(simulation.node(7)?.activeView.isEmpty ?? true))
        #expect(simulation.overlayComponents().count == 1)
    }

    @Test("a paused node is evicted by its neighbours and comes back when resumed")
    func pauseAndResume() {
        let simulation = MembershipSimulation(
            nodes: 10, contacts: [0], seed: 9,
            network: NetworkModel(nodes: 10, latency: .milliseconds(1), loss: 0)
        )
        for index in 0..<10 { simulation.start(index) }
        simulation.run(until: .zero + .seconds(10))
        simulation.pause(4)
        simulation.run(until: .zero + .seconds(20))
        let stillHolding = (0..<10).filter { $0 != 4 }.filter { index in
            simulation.node(index)!.activeView.contains { $0.id == NodeID("node-4") }
        }
        #expect(stillHolding.isEmpty, "every neighbour evicted the paused node")
        simulation.resume(4)
        simulation.run(until: .zero + .seconds(40))
        #expect(simulation.overlayComponents().count == 1)
        #expect(!simulation.node(4)!.activeView.isEmpty)
    }

    /// Random faults (crashes, restarts, pauses, partitions, loss) on a small cluster never
    /// break a node's invariants, and once everything heals and every node is back up the
    /// overlay is one component again.
    @Test("a fault schedule found by the property heals (regression)")
    func randomFaultsRegression() {
        // Found by the property below: after healing, two halves whose passive views had lost
        // each other stayed apart (fixed by probing remembered members).
        healsAfterFaults([2581868155, 3789932317, 2402411647, 1253818213, 2141270510, 2940795561, 3058637702, 1031978534, 3190129600])
    }

    @Test("two nodes cut off from a saturated cluster rejoin it after the heal (regression)")
    func saturatedClusterRegression() {
        // Found by the property below: nodes 10 and 11 spent the partition linked to each other;
        // after the heal every node of the other ten had a full active view, so their
        // low-priority requests were all rejected and the two stayed an island.
        healsAfterFaults([3338449148, 3293612674, 3472615643, 3755900867, 4178849663, 1952563804, 892556338])
    }

    /// Random faults (crashes, restarts, pauses, partitions, loss) on a small cluster never
    /// break a node's invariants, and once everything heals and every node is back up the
    /// overlay is one component again. Not shrunk: each case is a whole simulation, and the
    /// failing input is printed for a regression test.
    @Test("random fault schedules keep invariants and heal", .shrinking(false))
    func randomFaults() async {
        await propertyCheck(count: 12, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 5...25)) { script in
            healsAfterFaults(script)
        }
    }

    func healsAfterFaults(_ script: [Int]) {
        let nodes = 12
        let simulation = MembershipSimulation(
            nodes: nodes, contacts: [0, 1], seed: UInt64(script[0]),
            network: NetworkModel(nodes: nodes, latency: .milliseconds(2), loss: 0.02)
        )
        simulation.checkInvariants = true
        for index in 0..<nodes { simulation.start(index) }
        var time = Instant.zero + .seconds(5)
        simulation.run(until: time)
        for code in script {
            let node = code % nodes
            switch (code / nodes) % 7 {
            case 0: simulation.crash(node)
            case 1: if simulation.status[node] == .crashed { simulation.start(node) }
            case 2: simulation.pause(node)
            case 3: simulation.resume(node)
            case 4: simulation.network.partition(Array(0..<node), Array(node..<nodes), symmetric: code % 2 == 0)
            case 5: simulation.network.heal()
            default: simulation.restart(node)
            }
            time = time + .milliseconds(Int64(code % 3000))
            simulation.run(until: time)
        }
        simulation.network.heal()
        simulation.network.loss = 0
        for node in 0..<nodes {
            if simulation.status[node] == .paused { simulation.resume(node) }
            if simulation.status[node] == .crashed { simulation.start(node) }
        }
        simulation.run(until: time + .seconds(90))
        #expect(simulation.invariantViolations.isEmpty, "\(simulation.invariantViolations.prefix(3))")
        #expect(simulation.overlayComponents().count == 1, "not healed: \(simulation.overlayComponents())")
    }
}
