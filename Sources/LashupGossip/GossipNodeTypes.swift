import LashupMembership

/// Every message between two nodes, by layer.
public enum NodeMessage: Sendable, Equatable {
    case membership(MembershipMessage)
    case gossip(GossipMessage)
    case sync(MemberSync)

    /// A small code per layer and kind, for trace hashing.
    public var kindCode: UInt8 {
        switch self {
        case let .membership(message): message.kindCode
        case let .gossip(message):
            switch message {
            case .gossip: 0x21
            case .ihave: 0x22
            case .graft: 0x23
            case .prune: 0x24
            }
        case let .sync(message):
            if case .digest = message { 0x31 } else { 0x32 }
        }
    }

    /// A short name per kind, for counts by kind.
    public var kind: String {
        switch self {
        case let .membership(message): message.kind
        case let .gossip(message):
            switch message {
            case .gossip: "gossip"
            case .ihave: "ihave"
            case .graft: "graft"
            case .prune: "prune"
            }
        case let .sync(message):
            if case .digest = message { "member_digest" } else { "member_records" }
        }
    }
}

/// A timer of any layer.
public enum NodeTimer: Sendable, Hashable {
    case membership(TimerID)
    case gossip(GossipTimerID)
    /// Recompute routes after the table changed (changes within the delay are coalesced).
    case routes(id: UInt64, deadline: Instant)
    /// Probe an unreachable member to heal a partition.
    case partitionProbe(id: UInt64, deadline: Instant)
    /// Drop records of nodes unreachable or gone for longer than the expiry.
    case expiry(id: UInt64, deadline: Instant)
    /// Publish this node's record, held back by the publish rate limit.
    case publish(id: UInt64, deadline: Instant)

    public var deadline: Instant {
        switch self {
        case let .membership(timer): timer.deadline
        case let .gossip(timer): timer.deadline
        case let .routes(_, deadline), let .partitionProbe(_, deadline), let .expiry(_, deadline), let .publish(_, deadline): deadline
        }
    }

    /// Unique within a node, for trace hashing.
    public var uniqueID: UInt64 {
        switch self {
        case let .membership(timer): timer.id
        case let .gossip(timer): timer.id | 1 << 62
        case let .routes(id, _), let .partitionProbe(id, _), let .expiry(id, _), let .publish(id, _): id | 1 << 63
        }
    }
}

/// What a restarted node needs: its overlay views and the incarnation it ran.
public struct NodeSnapshot: Sendable, Equatable {
    public var membership: MembershipSnapshot
    public var incarnation: UInt64

    public init(membership: MembershipSnapshot, incarnation: UInt64) {
        self.membership = membership
        self.incarnation = incarnation
    }
}

/// What the node tells its shell and services.
public enum NodeEvent: Sendable, Equatable {
    case membership(MembershipEvent)
    /// The set of nodes reachable from here changed.
    case reachabilityChanged(nowUnreachable: [NodeID], nowReachable: [NodeID])
    /// Some node's hop distance from here changed, or the member table gained a node's
    /// record (emitted only then, and coalesced over `routeRecomputeDelay`); read the new
    /// tree with `tree()`.
    case routesChanged
    /// This node sees evidence that the overlay is in pieces (reported once per episode,
    /// after the evidence held for `splitReportDelay`).
    case overlaySplit(OverlaySplit)
    /// The split episode ended: every contact and every linked member is reachable again.
    case overlayWhole(splitFor: Duration)
}

/// An instruction from the node to its shell.
public enum NodeEffect: Sendable {
    case send(to: Peer, NodeMessage)
    case disconnect(NodeID)
    case setTimer(NodeTimer)
    case persist(NodeSnapshot)
    /// A broadcast on a subscribed topic, delivered exactly once.
    case deliver(id: BroadcastID, topic: String, payload: [UInt8], hops: UInt16)
    case event(NodeEvent)
}

/// An input to the node.
public enum NodeInput: Sendable {
    case start
    case message(from: Peer, NodeMessage)
    case timer(NodeTimer)
    case connectionLost(NodeID)
    case leave
}

/// Tunables of the composed node.
public struct GossipNodeConfig: Sendable {
    public var membership = MembershipConfig()
    public var plumtree = PlumtreeConfig()
    /// Records of nodes unreachable (or gone) this long are dropped. Default 24 h.
    public var recordExpiry = Duration.seconds(24 * 3600)
    /// How often expired records are looked for.
    public var expiryInterval = Duration.seconds(60)
    /// Table changes within this delay are folded into one route computation.
    public var routeRecomputeDelay = Duration.milliseconds(20)
    /// How often a node asks an unreachable node to be its neighbour (jittered): a member of
    /// the table, a contact or a remembered member (see `GossipNode+Islands`).
    public var partitionProbeInterval = Duration.seconds(3)
    /// Longest probe interval: while probes find nothing to merge (dead members remembered
    /// until their records expire) the interval doubles up to this; a change of
    /// reachability brings it back to `partitionProbeInterval`.
    public var partitionProbeMaximumInterval = Duration.seconds(30)
    /// How long evidence of a split must hold before it is reported.
    public var splitReportDelay = Duration.seconds(10)
    /// At most one record is published per interval: a burst of view changes (a join storm,
    /// a crash wave) costs one broadcast, yet a lone change after a quiet spell goes out at once.
    public var minimumPublishInterval = Duration.milliseconds(250)
    /// Most records sent in one sync message.
    public var maximumRecordsPerSync = 1_000
    /// Metadata published in this node's record.
    public var metadata: [String: String] = [:]

    public init() {}
}

/// The internal topic global membership records travel on.
public let membershipTopic = "lashup.members"
