/// One node's overlay membership and failure detector: HyParView with symmetric links, SWIM
/// style indirect probes and Lifeguard's local health, as a deterministic state machine.
///
/// Feed it inputs with `handle(_:now:)` and execute the effects it returns; it never reads a
/// clock, never touches a socket and draws randomness only from the generator it was given.
/// The same inputs at the same instants give the same effects, which is what lets the
/// simulator replay a thousand-node run from its seed.
public struct MembershipNode: Sendable {
    public let me: Peer
    public let config: MembershipConfig
    var random: SeededRandom
    var contacts: [Peer]

    /// Active view, in insertion order (iteration order must not depend on hashing).
    var active: [Neighbor] = []
    /// Passive view, in insertion order.
    public internal(set) var passive: [Peer] = []
    /// Peers seen recently, oldest first, for rejoining after a restart.
    var known: [Peer] = []
    var pendingRequests: [PendingNeighborRequest] = []
    var relays: [UInt64: Relay] = [:]
    /// Peers whose direct link failed while they were alive, until when, oldest first.
    var quarantined: [(node: NodeID, until: Instant)] = []
    var health: LocalHealth
    var throttle: JoinThrottle
    public internal(set) var statistics = MembershipStatistics()

    var started = false
    var leaving = false
    var joinAttempts = 0
    var joinTimer: TimerID?
    var maintenanceTimer: TimerID?
    var shuffleTimer: TimerID?
    var knownProbeTimer: TimerID?
    var persistTimer: TimerID?
    var persistDirty = false
    var lastShuffle: (id: UInt64, sample: [Peer])?
    var nextTimerNumber: UInt64 = 0
    var nextSequence: UInt64 = 0
    var now = Instant.zero
    var effects: [MembershipEffect] = []

    /// - Parameters:
    ///   - me: this node.
    ///   - contacts: nodes to join through; may include `me` (ignored).
    ///   - restored: what this node persisted before a restart, if anything.
    ///   - seed: seeds the node's random choices.
    public init(me: Peer, contacts: [Peer], restored: MembershipSnapshot? = nil, config: MembershipConfig = MembershipConfig(), seed: UInt64) {
        self.me = me
        self.config = config
        self.random = SeededRandom(seed: seed)
        self.contacts = contacts.filter { $0.id != me.id }
        self.health = LocalHealth(maximum: config.maximumLocalHealth)
        self.throttle = JoinThrottle(ratePerSecond: config.joinsPerSecond)
        if let restored {
            for peer in restored.passiveView where peer.id != me.id && !passive.contains(where: { $0.id == peer.id }) {
                if passive.count < config.passiveViewSize { passive.append(peer) }
            }
            for peer in restored.knownMembers where peer.id != me.id { remember(peer) }
        }
    }

    /// The active view's peers, in a stable order.
    public var activeView: [Peer] { active.map(\.peer) }
    public var passiveView: [Peer] { passive }
    public var knownMembers: [Peer] { known }
    public var localHealthScore: Int { health.score }
    /// Each active neighbour with its round-trip time estimate (SRTT and RTTVAR).
    public var activeViewRTT: [(peer: Peer, rtt: RTTEstimator)] { active.map { ($0.peer, $0.rtt) } }

    /// Processes one input at `now` and returns what the shell must do.
    public mutating func handle(_ input: MembershipInput, now: Instant) -> [MembershipEffect] {
        self.now = max(self.now, now)
        switch input {
        case .start:
            start()
        case let .message(from, message):
            if !leaving { receive(message, from: from) }
        case let .timer(timer):
            if !leaving { fire(timer) }
        case let .connectionLost(node):
            if !leaving { connectionLost(node) }
        case .leave:
            leave()
        case let .requestNeighbor(peer, priority):
            if !leaving && started { requestNeighbor(peer, priority: priority) }
        }
        let output = effects
        effects.removeAll(keepingCapacity: true)
        return output
    }

    /// Broken invariants, described; empty when sound. Checked after every step in tests and
    /// in the simulator.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        let activeIDs = active.map(\.peer.id)
        let passiveIDs = passive.map(\.id)
        if Set(activeIDs).count != activeIDs.count { problems.append("duplicate in active view") }
        if Set(passiveIDs).count != passiveIDs.count { problems.append("duplicate in passive view") }
        if !Set(activeIDs).isDisjoint(with: passiveIDs) { problems.append("active and passive views intersect") }
        if activeIDs.contains(me.id) || passiveIDs.contains(me.id) { problems.append("self in a view") }
        if active.count > config.activeViewSize { problems.append("active view over \(config.activeViewSize)") }
        if passive.count > config.passiveViewSize { problems.append("passive view over \(config.passiveViewSize)") }
        if known.count > config.knownMembersLimit { problems.append("known members over limit") }
        if pendingRequests.count > config.activeViewSize { problems.append("too many pending neighbour requests") }
        if relays.count > config.maximumRelays { problems.append("too many relays") }
        if quarantined.count > config.maximumQuarantined { problems.append("too many quarantined peers") }
        return problems
    }

    // MARK: - Effects helpers

    mutating func send(_ message: MembershipMessage, to peer: Peer) {
        statistics.messagesSent += 1
        effects.append(.send(to: peer, message))
    }

    mutating func setTimer(_ kind: TimerID.Kind, after delay: Duration) -> TimerID {
        nextTimerNumber += 1
        let timer = TimerID(kind: kind, id: nextTimerNumber, deadline: now + delay)
        effects.append(.setTimer(timer))
        return timer
    }

    mutating func cancel(_ timer: TimerID?) {
        if let timer { effects.append(.cancelTimer(timer)) }
    }

    mutating func newSequence() -> UInt64 {
        nextSequence += 1
        return nextSequence
    }

    /// `base` scaled by a continuous factor in [0.75, 1.25): timers of different nodes never
    /// fall into lockstep.
    mutating func jittered(_ base: Duration) -> Duration {
        base.scaled(by: 0.75 + 0.5 * random.unit())
    }

    /// Up to `count` distinct elements chosen at random, in a deterministic way.
    mutating func sample<T>(_ items: [T], count: Int) -> [T] {
        guard count < items.count else { return items }
        var pool = items
        var chosen: [T] = []
        for _ in 0..<count {
            let index = Int(random.next() % UInt64(pool.count))
            pool.swapAt(index, pool.count - 1)
            chosen.append(pool.removeLast())
        }
        return chosen
    }

    mutating func randomElement<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
    }

    func activeIndex(_ node: NodeID) -> Int? { active.firstIndex { $0.peer.id == node } }
    func isActive(_ node: NodeID) -> Bool { activeIndex(node) != nil }
}
