import LashupMembership
import LashupWire

/// One node of the cluster core: the HyParView overlay and failure detector, Plumtree
/// broadcast over it, the global membership table that broadcast keeps current, and the
/// routes derived from it. A deterministic state machine like its parts.
public struct GossipNode: Sendable {
    public let me: Peer
    public let incarnation: UInt64
    public let config: GossipNodeConfig
    public internal(set) var membership: MembershipNode
    public internal(set) var plumtree: Plumtree
    /// Every known node's newest record.
    public internal(set) var records: [NodeID: MemberRecord] = [:]
    /// The routing graph built from the records' advertised views.
    public internal(set) var graph = RouteGraph()
    /// Nodes reachable from here as of the last route computation (this node included).
    public internal(set) var reachable: Set<NodeID> = []
    public internal(set) var recordsRejected = 0
    /// Broadcast payloads received for topics other than the internal membership topic
    /// (duplicates included): the numerator of relative message redundancy.
    public internal(set) var applicationPayloadsReceived = 0
    /// The split episode under way, if this node sees one (see `OverlaySplit`).
    public internal(set) var overlaySplit: OverlaySplit?
    /// Split episodes reported since start.
    public internal(set) var splitEpisodes = 0
    /// High-priority neighbour requests sent to unreachable nodes (partition and island probes).
    public internal(set) var probesSent = 0
    /// The contacts this node was configured with (itself excluded).
    public let contacts: [Peer]
    /// The member that advertises each contact's address, once its record is known. The
    /// agent knows a contact only by address (its id is a placeholder until it answers).
    var contactOwners: [NodeID?]

    var unreachableSince: [NodeID: Instant] = [:]
    /// Members whose first record arrived since routes were last computed.
    var newRecordsSinceRoutes: [NodeID] = []
    /// Probes in a row that found nothing to merge (see `probeInterval`).
    var probeBackoff = 0
    /// Since when the evidence of a split has held, reported or not.
    var splitEvidenceSince: Instant?
    /// `splitEvidence()` as of the last evaluation. It reads only reachability, the contacts'
    /// owners and the records of unreachable nodes, so it is recomputed only after one of those
    /// changed (`splitEvidenceStale`): walking every unreachable member's view after each route
    /// change was a fifth of a 400-node simulation with half the nodes partitioned away.
    var splitEvidenceCache: (contacts: [NodeID], linked: [NodeID])?
    var splitEvidenceStale = true
    /// Hop distances indexed by graph number (-1 unreachable), as of the last computation.
    var distanceByNumber: [Int] = []
    /// Set when the active view changed since this node last published its record.
    var viewDirty = false
    var version: UInt64 = 0
    var publishedView: [NodeID]?
    var lastPublishedAt: Instant?
    var publishTimer: NodeTimer?
    var routeTimer: NodeTimer?
    var probeTimer: NodeTimer?
    var expiryTimer: NodeTimer?
    var nextTimer: UInt64 = 0
    var random: SeededRandom
    var now = Instant.zero
    var effects: [NodeEffect] = []
    var leaving = false

    /// - Parameters:
    ///   - incarnation: strictly greater than any this node ran before (persist it).
    public init(me: Peer, incarnation: UInt64, contacts: [Peer], restored: MembershipSnapshot? = nil, config: GossipNodeConfig = GossipNodeConfig(), seed: UInt64) {
        self.me = me
        self.incarnation = incarnation
        self.config = config
        self.contacts = contacts.filter { $0.id != me.id && $0.address != me.address }
        contactOwners = Array(repeating: nil, count: self.contacts.count)
        var random = SeededRandom(seed: seed)
        membership = MembershipNode(me: me, contacts: contacts, restored: restored, config: config.membership, seed: random.next())
        plumtree = Plumtree(me: me, incarnation: incarnation, config: config.plumtree)
        plumtree.subscribe(membershipTopic)
        self.random = random
    }

    public mutating func subscribe(_ topic: String) { plumtree.subscribe(topic) }

    /// Processes one input at `now`; returns what the shell must do.
    public mutating func handle(_ input: NodeInput, now: Instant) -> [NodeEffect] {
        self.now = max(self.now, now)
        switch input {
        case .start:
            // The incarnation must be durable before anything is published under it.
            effects.append(.persist(NodeSnapshot(
                membership: MembershipSnapshot(passiveView: membership.passiveView, knownMembers: membership.knownMembers),
                incarnation: incarnation
            )))
            absorb(membership.handle(.start, now: now))
            armExpiry()
            armProbe()
        case let .message(from, message):
            receive(message, from: from)
        case let .timer(timer):
            fire(timer)
        case let .connectionLost(node):
            absorb(membership.handle(.connectionLost(node), now: now))
        case .leave:
            guard !leaving else { break }
            publishOwnRecord(leaving: true)
            leaving = true
            absorb(membership.handle(.leave, now: now))
        }
        if !leaving { publishIfViewChanged() }
        let output = effects
        effects.removeAll(keepingCapacity: true)
        return output
    }

    /// Broadcasts `payload` on `topic` to every node.
    public mutating func broadcast(topic: String, payload: [UInt8], now: Instant) throws(BroadcastError) -> (BroadcastID, [NodeEffect]) {
        self.now = max(self.now, now)
        let (id, gossipEffects) = try plumtree.broadcast(topic: topic, payload: payload, now: now)
        absorb(gossipEffects)
        let output = effects
        effects.removeAll(keepingCapacity: true)
        return (id, output)
    }

    /// Broken invariants of every layer, described.
    public func invariantViolations() -> [String] {
        var problems = membership.invariantViolations()
        if Set(membership.activeView.map(\.id)) != Set(plumtree.neighbors.map(\.id)) {
            problems.append("broadcast tree neighbours differ from the active view")
        }
        if !splitEvidenceStale {
            let fresh = splitEvidence()
            if fresh?.contacts != splitEvidenceCache?.contacts || fresh?.linked != splitEvidenceCache?.linked {
                problems.append("the cached split evidence differs from a fresh one: a change did not mark it stale")
            }
        }
        return problems
    }

    // MARK: - Routing queries

    /// The shortest-hop tree rooted at `root` (default: this node).
    public func tree(root: NodeID? = nil) -> [NodeID: Route] { graph.tree(root: root ?? me.id) }
    public func path(to node: NodeID) -> [NodeID]? { graph.path(from: me.id, to: node) }
    public func isReachable(_ node: NodeID) -> Bool { reachable.contains(node) }
    /// Configured contacts not reachable from here (matched to members by address).
    public var unreachableContactCount: Int { unreachableContacts().count }
    public var unreachable: [NodeID] { records.keys.filter { !reachable.contains($0) }.sorted() }

    // MARK: - Plumbing

    mutating func armRoutes() {
        nextTimer += 1
        routeTimer = .routes(id: nextTimer, deadline: now + config.routeRecomputeDelay)
        effects.append(.setTimer(routeTimer!))
    }

    mutating func armProbe() {
        nextTimer += 1
        probeTimer = .partitionProbe(id: nextTimer, deadline: now + jittered(probeInterval))
        effects.append(.setTimer(probeTimer!))
    }

    mutating func armPublish(at deadline: Instant) {
        nextTimer += 1
        publishTimer = .publish(id: nextTimer, deadline: deadline)
        effects.append(.setTimer(publishTimer!))
    }

    mutating func armExpiry() {
        nextTimer += 1
        expiryTimer = .expiry(id: nextTimer, deadline: now + config.expiryInterval)
        effects.append(.setTimer(expiryTimer!))
    }

    mutating func jittered(_ base: Duration) -> Duration { base.scaled(by: 0.75 + 0.5 * random.unit()) }
}
