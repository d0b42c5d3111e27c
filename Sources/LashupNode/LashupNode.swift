import LashupCRDT
import LashupGossip
import LashupMembership
import LashupStore
import LashupWire

/// One full node, without I/O: the gossip core (overlay, failure detector, broadcast, global
/// membership, routes) and the replicated key space on top of it.
///
/// A local update applies at once, asks the shell to make the new state durable, and then
/// broadcasts its delta on `KeyDelta.topic`; receivers join it. Whatever a broadcast misses
/// (a partition, a crash, loss, a delta too large to broadcast) is repaired by anti-entropy:
/// with every new neighbour at once and with a random neighbour periodically, the two compare
/// digests and exchange only the keys that differ; what that changes here is broadcast on, so
/// one repaired link repairs the whole component. Tombstones are collected once every known
/// member has reported holding them.
public struct LashupNode: Sendable {
    /// The internal topic tombstone reports travel on.
    public static let tombstoneTopic = "lashup.kv.tombstones"

    public let replica: ReplicaID
    public let config: ClusterConfig
    public internal(set) var gossip: GossipNode
    public internal(set) var space: KeySpace
    public internal(set) var statistics = ClusterStatistics()
    var tombstones: TombstoneCollector
    var random: SeededRandom
    var now = Instant.zero
    var nextTimer: UInt64 = 0
    var antiEntropyTimer: UInt64?
    var tombstoneTimer: UInt64?
    var effects: [ClusterEffect] = []

    public var me: Peer { gossip.me }

    /// - Parameters:
    ///   - replica: the writer identity of this run's updates. It must never have written
    ///     before (the shell derives it from the node name and something unique to this run,
    ///     such as the incarnation and a data-directory id), so a node whose disk was wiped
    ///     can never mint a dot its earlier life already used.
    ///   - restored: what the node made durable in earlier runs.
    public init(me: Peer, incarnation: UInt64, replica: ReplicaID, contacts: [Peer], restored: DurableWrite? = nil, config: ClusterConfig = ClusterConfig(), seed: UInt64) {
        self.replica = replica
        self.config = config
        var random = SeededRandom(seed: seed)
        space = KeySpace(restoring: restored?.keys ?? [:], limits: config.limits)
        gossip = GossipNode(
            me: me, incarnation: incarnation, contacts: contacts,
            restored: restored?.node?.membership, config: config.node, seed: random.next()
        )
        gossip.subscribe(KeyDelta.topic)
        gossip.subscribe(LashupNode.tombstoneTopic)
        tombstones = TombstoneCollector(me: me.id, maximumTracked: config.maximumTombstonesPerReport * 10)
        self.random = random
    }

    /// Subscribes to an application broadcast topic.
    public mutating func subscribe(_ topic: String) { gossip.subscribe(topic) }

    /// Processes one input at `now`; returns what the shell must do, in order.
    public mutating func handle(_ input: ClusterInput, now: Instant) -> [ClusterEffect] {
        self.now = max(self.now, now)
        switch input {
        case .start:
            absorb(gossip.handle(.start, now: self.now))
            armAntiEntropy()
            armTombstones()
            for key in space.tombstones { tombstones.note(key, in: space, now: self.now) }
        case let .message(from, .node(message)):
            absorb(gossip.handle(.message(from: from, message), now: self.now))
        case let .message(from, .antiEntropy(message)):
            receiveAntiEntropy(message, from: from)
        case let .timer(.node(timer)):
            absorb(gossip.handle(.timer(timer), now: self.now))
        case let .timer(.antiEntropy(id, _)):
            guard id == antiEntropyTimer else { break }
            if let peer = randomElement(gossip.membership.activeView) { openAntiEntropy(with: peer) }
            armAntiEntropy()
        case let .timer(.tombstones(id, _)):
            guard id == tombstoneTimer else { break }
            reportAndCollectTombstones()
            armTombstones()
        case let .connectionLost(node):
            absorb(gossip.handle(.connectionLost(node), now: self.now))
        case .leave:
            absorb(gossip.handle(.leave, now: self.now))
        }
        return takeEffects()
    }

    /// Applies `operations` to `key` atomically as this node's replica. With `context`, only if
    /// the key's version vector still equals it (compare-and-set).
    /// - Returns: the new value, and effects that persist it first and then broadcast the delta.
    public mutating func update(_ key: Key, _ operations: [MapOperation], context: VersionVector? = nil, now: Instant) throws(StoreError) -> (value: Causal<ORMap>, effects: [ClusterEffect]) {
        self.now = max(self.now, now)
        let (value, delta) = try space.update(key, operations, context: context, by: replica)
        effects.append(.persist(DurableWrite(keys: [key: value])))
        broadcastDelta(KeyDelta(key: key, delta: delta))
        tombstones.note(key, in: space, now: self.now)
        return (value, takeEffects())
    }

    /// Deletes `key` as observed here (updates concurrent with the delete survive it); the key
    /// stays as a tombstone until every member has it. Deleting an absent key does nothing.
    public mutating func delete(_ key: Key, now: Instant) -> [ClusterEffect] {
        self.now = max(self.now, now)
        let delta = space.delete(key, by: replica)
        guard !delta.context.isEmpty else { return [] }
        effects.append(.persist(DurableWrite(keys: [key: space.value(key)])))
        broadcastDelta(KeyDelta(key: key, delta: delta))
        tombstones.note(key, in: space, now: self.now)
        return takeEffects()
    }

    /// Broadcasts an application payload on `topic` to every subscriber.
    public mutating func broadcast(topic: String, payload: [UInt8], now: Instant) throws(BroadcastError) -> (BroadcastID, [ClusterEffect]) {
        self.now = max(self.now, now)
        let (id, nodeEffects) = try gossip.broadcast(topic: topic, payload: payload, now: self.now)
        absorb(nodeEffects)
        return (id, takeEffects())
    }

    /// Broken invariants of the node and of every value it holds (for tests and the simulator).
    public func invariantViolations() -> [String] {
        var problems = gossip.invariantViolations()
        for (key, state) in space.objects {
            problems += state.invariantViolations().map { "\(key): \($0)" }
        }
        return problems
    }

    mutating func takeEffects() -> [ClusterEffect] {
        let output = effects
        effects.removeAll(keepingCapacity: true)
        return output
    }

    mutating func randomElement<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
    }

    mutating func jittered(_ base: Duration) -> Duration { base.scaled(by: 0.5 + random.unit()) }

    mutating func armAntiEntropy() {
        nextTimer += 1
        antiEntropyTimer = nextTimer
        effects.append(.setTimer(.antiEntropy(id: nextTimer, deadline: now + jittered(config.antiEntropyInterval))))
    }

    mutating func armTombstones() {
        nextTimer += 1
        tombstoneTimer = nextTimer
        effects.append(.setTimer(.tombstones(id: nextTimer, deadline: now + jittered(config.tombstoneReportInterval))))
    }
}
