import LashupGossip
import LashupMembership
import LashupTestSupport
import PropertyBased
import Testing

@Suite("Plumtree", .onDedicatedThread)
struct PlumtreeTests {
    func node(_ name: String, neighbours: [String]) -> Plumtree {
        var tree = Plumtree(me: Peer(name), incarnation: 1)
        tree.subscribe("t")
        for neighbour in neighbours { _ = tree.neighborUp(Peer(neighbour), now: .zero) }
        return tree
    }

    func sends(_ effects: [GossipEffect]) -> [(String, GossipMessage)] {
        effects.compactMap { if case let .send(peer, message) = $0 { (peer.id.name, message) } else { nil } }
    }

    func deliveries(_ effects: [GossipEffect]) -> [BroadcastID] {
        effects.compactMap { if case let .deliver(id, _, _, _) = $0 { id } else { nil } }
    }

    @Test("a broadcast is delivered locally and pushed to every eager peer")
    func broadcastPushes() throws {
        var tree = node("n", neighbours: ["a", "b"])
        let (id, effects) = try tree.broadcast(topic: "t", payload: [1, 2, 3], now: .zero)
        #expect(deliveries(effects) == [id])
        #expect(Set(sends(effects).map(\.0)) == ["a", "b"])
        #expect(sends(effects).allSatisfy { $0.1 == .gossip(id: id, topic: "t", payload: [1, 2, 3], hops: 1) })
    }

    @Test("beyond 64 neighbours a link cannot be pruned and stays eager; a freed slot is reused clean")
    func neighbourSlotsBounded() {
        let names = (0..<70).map { "p\($0)" }
        var tree = node("n", neighbours: names)
        let id = BroadcastID(origin: "o", incarnation: 1, sequence: 1)
        _ = tree.receive(.gossip(id: id, topic: "t", payload: [9], hops: 2), from: Peer("p0"), now: .zero)
        for name in ["p1", "p69"] {
            _ = tree.receive(.gossip(id: id, topic: "t", payload: [9], hops: 3), from: Peer(name), now: .zero)
        }
        #expect(tree.lazyPeers(for: "o") == [Peer("p1")], "p69 has no slot: it stays eager")
        #expect(tree.eagerPeers(for: "o").contains(Peer("p69")))
        // p1 leaves; the slot it frees carries no pruned link into the next neighbour's trees.
        _ = tree.neighborDown("p1", now: .zero)
        _ = tree.neighborUp(Peer("q"), now: .zero)
        #expect(tree.lazyPeers(for: "o") == [Peer("q")], "a new link joins the trees already seen as lazy")
        #expect(tree.lazyPeersByOrigin == ["o": ["q"]])
    }

    @Test("a duplicate is not delivered again and prunes the link it came over")
    func duplicatePrunes() {
        var tree = node("n", neighbours: ["a", "b", "c"])
        let id = BroadcastID(origin: "o", incarnation: 1, sequence: 1)
        let first = tree.receive(.gossip(id: id, topic: "t", payload: [9], hops: 2), from: Peer("a"), now: .zero)
        #expect(deliveries(first) == [id])
        #expect(Set(sends(first).map(\.0)) == ["b", "c"], "forwarded to the other eager peers, not back")
        let second = tree.receive(.gossip(id: id, topic: "t", payload: [9], hops: 3), from: Peer("b"), now: .zero)
        #expect(deliveries(second).isEmpty)
        #expect(sends(second).map(\.0) == ["b"])
        #expect(sends(second).first?.1 == .prune(root: "o"))
        #expect(tree.lazyPeers(for: "o") == [Peer("b")])
        #expect(tree.eagerPeers(for: "other-origin").contains(Peer("b")), "only o's tree is pruned")
        // Next time b only gets an announcement.
        let next = BroadcastID(origin: "o", incarnation: 1, sequence: 2)
        let third = tree.receive(.gossip(id: next, topic: "t", payload: [1], hops: 1), from: Peer("a"), now: .zero)
        #expect(!sends(third).contains { $0.0 == "b" }, "announcements are batched")
        guard case let .setTimer(flush)? = third.last(where: { if case .setTimer = $0 { true } else { false } }) else {
            Issue.record("no flush timer")
            return
        }
        #expect(sends(tree.timer(flush, now: flush.deadline)).contains { $0.0 == "b" && $0.1 == .ihave([next]) })
        #expect(sends(third).contains { $0.0 == "c" && $0.1 == .gossip(id: next, topic: "t", payload: [1], hops: 2) })
    }

    @Test("a message announced but not received is grafted from its announcers in turn")
    func graftOnMissing() {
        var tree = node("n", neighbours: ["a", "b"])
        let id = BroadcastID(origin: "o", incarnation: 1, sequence: 5)
        let announced = tree.receive(.ihave([id]), from: Peer("a"), now: .zero)
        _ = tree.receive(.ihave([id]), from: Peer("b"), now: .zero)
        guard case let .setTimer(timer)? = announced.first else {
            Issue.record("no missing timer")
            return
        }
        let graft = tree.timer(timer, now: timer.deadline)
        #expect(sends(graft).map(\.0) == ["a"])
        #expect(sends(graft).first?.1 == .graft(id))
        guard case let .setTimer(retry)? = graft.last else {
            Issue.record("no retry timer")
            return
        }
        let second = tree.timer(retry, now: retry.deadline)
        #expect(sends(second).map(\.0) == ["b"], "the next announcer is tried")
        // The payload arrives: nothing more is grafted.
        let arrived = tree.receive(.gossip(id: id, topic: "t", payload: [], hops: 4), from: Peer("b"), now: retry.deadline)
        #expect(deliveries(arrived) == [id])
        if case let .setTimer(last)? = second.last {
            #expect(sends(tree.timer(last, now: last.deadline)).isEmpty)
        }
    }

    @Test("an announcement of a message already seen changes nothing")
    func ihaveForSeen() throws {
        var tree = node("n", neighbours: ["a"])
        let (id, _) = try tree.broadcast(topic: "t", payload: [], now: .zero)
        #expect(tree.receive(.ihave([id]), from: Peer("a"), now: .zero).isEmpty)
    }

    @Test("a graft is answered from the cache and puts the peer back on the tree")
    func graftAnswered() throws {
        var tree = node("n", neighbours: ["a", "b"])
        _ = try tree.broadcast(topic: "t", payload: [6], now: .zero)
        _ = tree.receive(.prune(root: "n"), from: Peer("a"), now: .zero)
        #expect(tree.lazyPeers(for: "n") == [Peer("a")])
        let (id, _) = try tree.broadcast(topic: "t", payload: [7], now: .zero)
        let answer = tree.receive(.graft(id), from: Peer("a"), now: .zero)
        #expect(sends(answer).first?.1 == .gossip(id: id, topic: "t", payload: [7], hops: 0))
        #expect(tree.eagerPeers(for: "n").contains(Peer("a")))
    }

    @Test("a prune only touches trees this node relays on, and a forgotten origin's tree goes with it")
    func pruneBounded() {
        var config = PlumtreeConfig()
        config.maximumOrigins = 2
        var tree = Plumtree(me: Peer("n"), incarnation: 1, config: config)
        for neighbour in ["a", "b"] { _ = tree.neighborUp(Peer(neighbour), now: .zero) }
        for root in (0..<100).map({ NodeID("never-seen-\($0)") }) {
            _ = tree.receive(.prune(root: root), from: Peer("a"), now: .zero)
        }
        #expect(tree.originsWithPrunedLinks == 0, "prunes for roots never relayed here add nothing")
        for (sequence, origin) in ["o1", "o2", "o3"].enumerated() {
            let id = BroadcastID(origin: NodeID(origin), incarnation: 1, sequence: UInt64(sequence + 1))
            _ = tree.receive(.gossip(id: id, topic: "t", payload: [1], hops: 1), from: Peer("b"), now: .zero)
            _ = tree.receive(.prune(root: NodeID(origin)), from: Peer("a"), now: .zero)
        }
        #expect(tree.lazyPeers(for: "o1").isEmpty, "o1 was forgotten to stay within 2 origins: its tree floods again")
        #expect(tree.lazyPeers(for: "o3") == [Peer("a")])
        #expect(tree.originsWithPrunedLinks == 2)
    }

    @Test("oversized payloads and bad topics are refused")
    func limits() {
        var config = PlumtreeConfig()
        config.maximumPayloadBytes = 10
        var tree = Plumtree(me: Peer("n"), incarnation: 1, config: config)
        #expect(throws: BroadcastError.payloadTooLarge(bytes: 11, limit: 10)) {
            try tree.broadcast(topic: "t", payload: [UInt8](repeating: 0, count: 11), now: .zero)
        }
        #expect(throws: BroadcastError.topicInvalid("")) { try tree.broadcast(topic: "", payload: [], now: .zero) }
    }

    @Test("the origin memory is bounded and forgets the oldest ids")
    func boundedSeen() {
        var set = BoundedIDSet<Int>(capacity: 3)
        for value in 0..<5 { set.insert(value) }
        #expect(set.count == 3)
        #expect(!set.contains(0) && !set.contains(1) && set.contains(4))
        #expect(set.evictions == 2)
        let insertedAgain = set.insert(4)
        #expect(!insertedAgain)
    }

    /// Plumtree nodes on a random connected graph, with random latencies and links that fail
    /// mid-run: every node delivers every broadcast exactly once, and once the tree has formed
    /// the payload travels each node once (no redundancy).
    @Test("exactly-once delivery on random graphs with failing links")
    func exactlyOnce() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 3...30), Gen.int(in: 6...24)) { script, size in
            var network = PlumtreeNetwork(size: size, seed: UInt64(script[0]))
            for code in script {
                if code % 5 == 0 {
                    network.failRandomLink(code)
                }
                network.broadcast(from: code % size)
                network.run(for: .milliseconds(Int64(50 + code % 400)))
            }
            network.run(for: .seconds(5))
            for node in 0..<size {
                for id in network.broadcastIDs {
                    #expect(network.deliveries[node][id, default: 0] == 1, "node \(node) delivered \(id) \(network.deliveries[node][id, default: 0]) times")
                }
            }
        }
    }

    @Test("once each origin's tree has formed, payloads travel once per node, even from concurrent origins")
    func noRedundancyInSteadyState() {
        var network = PlumtreeNetwork(size: 30, seed: 3)
        for origin in 0..<30 { network.broadcast(from: origin) }
        network.run(for: .seconds(2))
        network.payloadsReceived = 0
        // 40 broadcasts a second from changing origins: their floods overlap in time.
        for round in 0..<40 {
            network.broadcast(from: (round * 7) % 30)
            network.run(for: .milliseconds(25))
        }
        network.run(for: .seconds(2))
        let redundancy = Double(network.payloadsReceived) / Double(40 * 29) - 1
        #expect(redundancy < 0.05, "RMR \(redundancy)")
    }
}

/// A tiny deterministic network of Plumtree nodes for the tests above.
struct PlumtreeNetwork {
    enum Event { case message(to: Int, from: Int, GossipMessage), timer(Int, GossipTimerID) }
    var nodes: [Plumtree]
    var links: Set<[Int]> = []
    var queue: [(time: Int64, order: Int, event: Event)] = []
    var now: Int64 = 0
    var order = 0
    var random: SeededRandom
    var deliveries: [[BroadcastID: Int]]
    var broadcastIDs: [BroadcastID] = []
    var payloadsReceived = 0

    init(size: Int, seed: UInt64) {
        random = SeededRandom(seed: seed)
        nodes = (0..<size).map { Plumtree(me: Peer("n\($0)"), incarnation: 1) }
        deliveries = Array(repeating: [:], count: size)
        for index in 0..<size { nodes[index].subscribe("t") }
        // A ring keeps the graph connected even after chords fail; chords add redundancy.
        for index in 0..<size { connect(index, (index + 1) % size) }
        for _ in 0..<size { connect(Int(random.next() % UInt64(size)), Int(random.next() % UInt64(size))) }
    }

    mutating func connect(_ a: Int, _ b: Int) {
        guard a != b, !links.contains([min(a, b), max(a, b)]) else { return }
        links.insert([min(a, b), max(a, b)])
        _ = nodes[a].neighborUp(Peer("n\(b)"), now: .zero)
        _ = nodes[b].neighborUp(Peer("n\(a)"), now: .zero)
    }

    /// Fails one chord (never a ring link, so the graph stays connected).
    mutating func failRandomLink(_ code: Int) {
        let chords = links.filter { abs($0[0] - $0[1]) != 1 && abs($0[0] - $0[1]) != nodes.count - 1 }.sorted { $0.lexicographicallyPrecedes($1) }
        guard !chords.isEmpty else { return }
        let link = chords[code % chords.count]
        links.remove(link)
        let instant = Instant(nanoseconds: now)
        _ = nodes[link[0]].neighborDown(NodeID("n\(link[1])"), now: instant)
        _ = nodes[link[1]].neighborDown(NodeID("n\(link[0])"), now: instant)
    }

    mutating func broadcast(from index: Int) {
        let (id, effects) = try! nodes[index].broadcast(topic: "t", payload: [UInt8(index & 0xFF)], now: Instant(nanoseconds: now))
        broadcastIDs.append(id)
        apply(effects, at: index)
    }

    mutating func run(for duration: Duration) {
        let end = now + duration.nanosecondsValue
        while let next = queue.indices.min(by: { (queue[$0].time, queue[$0].order) < (queue[$1].time, queue[$1].order) }),
              queue[next].time <= end {
            let entry = queue.remove(at: next)
            now = entry.time
            let instant = Instant(nanoseconds: now)
            switch entry.event {
            case let .message(to, from, message):
                guard links.contains([min(to, from), max(to, from)]) else { continue }
                if case .gossip = message { payloadsReceived += 1 }
                apply(nodes[to].receive(message, from: Peer("n\(from)"), now: instant), at: to)
            case let .timer(index, timer):
                apply(nodes[index].timer(timer, now: instant), at: index)
            }
        }
        now = end
    }

    private mutating func apply(_ effects: [GossipEffect], at index: Int) {
        for effect in effects {
            order += 1
            switch effect {
            case let .send(peer, message):
                let destination = Int(peer.id.name.dropFirst())!
                let latency = 1_000_000 + Int64(random.next() % 20_000_000)
                queue.append((now + latency, order, .message(to: destination, from: index, message)))
            case let .setTimer(timer):
                queue.append((timer.deadline.nanoseconds, order, .timer(index, timer)))
            case let .deliver(id, _, _, _):
                deliveries[index][id, default: 0] += 1
            }
        }
    }
}
