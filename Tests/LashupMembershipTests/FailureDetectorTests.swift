import LashupMembership
import LashupTestSupport
import Testing

@Suite("Failure detector", .onDedicatedThread)
struct FailureDetectorTests {
    /// A node with neighbours a, b, c, d; returns the harness after the first ping to `a`.
    func nodeWithNeighbours(config: MembershipConfig = MembershipConfig()) -> NodeHarness {
        var node = NodeHarness("n", config: config)
        node.handle(.start)
        node.connect(["a", "b", "c", "d"])
        return node
    }

    func pings(_ node: NodeHarness, to name: String) -> [UInt64] {
        node.sent(to: name).compactMap { if case let .ping(sequence) = $0 { sequence } else { nil } }
    }

    @Test("neighbours are pinged within the first ping interval")
    func pingsFromTheFirstSecond() {
        var node = nodeWithNeighbours()
        var pinged = Set<String>()
        for _ in 0..<10 {
            for (name, message) in NodeHarness.messages(in: node.advance(by: .milliseconds(50))) {
                if case .ping = message { pinged.insert(name) }
            }
        }
        #expect(pinged == ["a", "b", "c", "d"])
    }

    /// Plays the neighbours for `steps` steps of 20 ms: `answer` gives each message's reply
    /// (nil: none), at the node's current time. Stops early once `until` holds for the effects
    /// of a step; returns every effect.
    func play(
        _ node: inout NodeHarness, steps: Int, answer: (String, MembershipMessage, Instant) -> MembershipMessage?,
        until: ([MembershipEffect]) -> Bool = { _ in false }
    ) -> [MembershipEffect] {
        var all: [MembershipEffect] = []
        var outbox: [(String, MembershipMessage)] = []
        for _ in 0..<steps {
            var step = node.advance(by: .milliseconds(20))
            outbox += NodeHarness.messages(in: step)
            let replies = outbox.compactMap { destination, message in answer(destination, message, node.now).map { (destination, $0) } }
            outbox = []
            for (from, reply) in replies {
                let effects = node.receive(reply, from: from)
                outbox += NodeHarness.messages(in: effects)
                step += effects
            }
            all += step
            if until(step) { break }
        }
        return all
    }

    /// b, c and d always answer their pings, a answers until `aSilentFrom`, and helpers
    /// answer every ping-req with `helpersSay`.
    func playNeighbours(
        _ node: inout NodeHarness, steps: Int, aSilentFrom: Instant, helpersSay alive: Bool,
        until: ([MembershipEffect]) -> Bool = { _ in false }
    ) -> [MembershipEffect] {
        play(&node, steps: steps, answer: { destination, message, now in
            switch message {
            case let .ping(sequence) where destination != "a" || now < aSilentFrom: .pong(sequence: sequence, isNeighbor: true)
            case let .pingRequest(target, sequence): .pingRequestResult(target: target.id, sequence: sequence, alive: alive)
            default: nil
            }
        }, until: until)
    }

    func isFailure(of name: String) -> (MembershipEffect) -> Bool {
        { if case .event(.neighborDown(Peer(name), .failed)) = $0 { true } else { false } }
    }

    @Test("a silent neighbour is probed directly and indirectly, then evicted after two rounds")
    func evictionAfterIndirectProbes() {
        var node = nodeWithNeighbours()
        // For a second everyone answers, so the link has an RTT history; then a goes silent.
        let silentFrom = Instant.zero + .seconds(1)
        let effects = playNeighbours(&node, steps: 200, aSilentFrom: silentFrom, helpersSay: false) { step in
            step.contains(where: isFailure(of: "a"))
        }
        #expect(effects.contains(where: isFailure(of: "a")))
        #expect(node.now - silentFrom < .milliseconds(1_500), "evicted within 1.5 s of going silent")
        let pingRequests = NodeHarness.messages(in: effects).filter {
            if case let .pingRequest(target, _) = $0.1 { target == Peer("a") } else { false }
        }
        let helpers = Set(pingRequests.map(\.0))
        #expect(helpers == ["b", "c", "d"], "k = 3 other neighbours asked")
        #expect(pingRequests.count == 6, "two rounds of three ping-reqs")
        #expect(!node.activeNames.contains("a"))
        #expect(node.passiveNames.contains("a"), "evicted neighbours move to the passive view")
    }

    /// From `deadFrom` those in `dead` answer nothing (crashed); the others answer pings, and
    /// ping-reqs truthfully.
    func playCrash(_ node: inout NodeHarness, steps: Int, dead: Set<String>, deadFrom: Instant) -> [MembershipEffect] {
        play(&node, steps: steps) { destination, message, now in
            let isDead = { (name: String) in dead.contains(name) && now >= deadFrom }
            guard !isDead(destination) else { return nil }
            switch message {
            case let .ping(sequence): return .pong(sequence: sequence, isNeighbor: true)
            case let .pingRequest(target, sequence): return .pingRequestResult(target: target.id, sequence: sequence, alive: !isDead(target.id.name))
            default: return nil
            }
        }
    }

    @Test("helpers that crashed with the target do not stretch the timeouts of a node others still answer", arguments: [1, 2, 3, 4] as [UInt64])
    func crashedHelpersAreNotLocalTrouble(seed: UInt64) {
        var node = NodeHarness("n", seed: seed)
        node.handle(.start)
        let neighbours = ["a", "b", "c", "d", "e", "f", "g"]
        node.connect(neighbours)
        let dead = Set(neighbours.dropLast())
        let crashAt = Instant.zero + .seconds(2)
        let effects = playCrash(&node, steps: 200, dead: dead, deadFrom: crashAt)
        #expect(node.node.localHealthScore == 0, "local health \(node.node.localHealthScore) though g answered throughout")
        #expect(node.activeNames == ["g"])
        let failed = effects.filter { if case .event(.neighborDown(_, .failed)) = $0 { true } else { false } }
        #expect(failed.count == 6)
    }

    @Test("a node that nobody answers raises its local health")
    func cutOffNodeRaisesLocalHealth() {
        var node = nodeWithNeighbours()
        _ = playCrash(&node, steps: 150, dead: ["a", "b", "c", "d"], deadFrom: .zero + .seconds(1))
        #expect(node.node.localHealthScore > 0)
    }

    @Test("an indirect proof of life prevents the eviction")
    func indirectSuccess() {
        var node = nodeWithNeighbours()
        // After a second, a's direct link breaks but helpers still reach it.
        let effects = playNeighbours(&node, steps: 300, aSilentFrom: .zero + .seconds(1), helpersSay: true)
        #expect(!effects.contains { if case .event(.neighborDown(_, .failed)) = $0 { true } else { false } })
        // Reachable only indirectly for many pings in a row: the link is replaced, but the node
        // is not reported failed.
        #expect(!node.activeNames.contains("a"))
        #expect(node.node.statistics.linksDroppedBroken == 1)
        #expect(node.node.statistics.evictionsFailed == 0)
    }

    @Test("a pong learns the RTT and resets the probe")
    func pongResets() {
        var node = nodeWithNeighbours()
        for _ in 0..<100 {
            let sent = NodeHarness.messages(in: node.advance(by: .milliseconds(10)))
            for (destination, message) in sent {
                if case let .ping(sequence) = message {
                    node.receive(.pong(sequence: sequence, isNeighbor: true), from: destination)
                }
            }
        }
        #expect(node.activeNames.count == 4)
        #expect(node.node.statistics.indirectProbesSent == 0)
        #expect(node.node.localHealthScore == 0)
    }

    @Test("a pong saying we are not its neighbour drops our half of the link")
    func oneSidedLink() {
        var node = nodeWithNeighbours()
        node.advance(by: .milliseconds(500))
        let sequence = pings(node, to: "a").first ?? 0
        node.receive(.pong(sequence: sequence, isNeighbor: false), from: "a")
        #expect(!node.activeNames.contains("a"))
        #expect(node.events.contains(.neighborDown(Peer("a"), reason: .disconnected)))
    }

    @Test("timers firing late raise local health and accuse nobody")
    func lateTimers() {
        var node = nodeWithNeighbours()
        node.advance(by: .milliseconds(500))
        // The node is paused for 5 s: when it runs again every timer is late.
        node.now = node.now + .seconds(5)
        node.advance(by: .zero)
        #expect(node.node.localHealthScore > 0)
        #expect(node.activeNames.count == 4)
        #expect(node.node.statistics.lateTimers > 0)
    }

    @Test("ping-reqs are relayed, answered on pong and on timeout")
    func relay() {
        var node = nodeWithNeighbours()
        node.receive(.pingRequest(target: Peer("t"), sequence: 77), from: "r")
        guard case let .ping(relaySequence)? = node.sent(to: "t").first else {
            Issue.record("no relay ping")
            return
        }
        node.receive(.pong(sequence: relaySequence, isNeighbor: false), from: "t")
        #expect(node.sent(to: "r") == [.pingRequestResult(target: NodeID("t"), sequence: 77, alive: true)])

        node.receive(.pingRequest(target: Peer("dead"), sequence: 78), from: "r")
        node.advance(by: .seconds(1))
        #expect(node.sent(to: "r") == [.pingRequestResult(target: NodeID("dead"), sequence: 78, alive: false)])
    }

    @Test("the RTT estimator keeps history and clamps the timeout")
    func rttEstimator() {
        var estimator = RTTEstimator()
        #expect(estimator.timeout(minimum: .milliseconds(100), maximum: .seconds(2), initial: .milliseconds(500)) == .milliseconds(500))
        for _ in 0..<20 { estimator.record(.milliseconds(50)) }
        let steady = estimator.timeout(minimum: .milliseconds(100), maximum: .seconds(2), initial: .zero)
        #expect(steady >= .milliseconds(100) && steady < .milliseconds(150))
        estimator.record(.milliseconds(400))
        let widened = estimator.timeout(minimum: .milliseconds(100), maximum: .seconds(2), initial: .zero)
        #expect(widened > .milliseconds(400), "one slow sample widens the timeout instead of tripping it")
        for _ in 0..<50 { estimator.record(.seconds(10)) }
        #expect(estimator.timeout(minimum: .milliseconds(100), maximum: .seconds(2), initial: .zero) == .seconds(2))
    }
}
