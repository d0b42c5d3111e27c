/// What the agent tells operators about itself, beyond what services need: the read models
/// of `ClusterIntrospection`, which the REST API, the CLI and the dashboard show.

/// One known node as the agent reports it.
public struct MemberView: Sendable, Equatable {
    public var name: String
    public var address: String
    public var incarnation: UInt64
    public var reachable: Bool
    /// Hops from this node; nil when unreachable.
    public var distance: Int?
    /// Milliseconds since this node last received a message from it directly; nil if never.
    public var lastHeardMillisecondsAgo: Int64?
    /// It announced a graceful leave.
    public var leaving: Bool
    public var isSelf: Bool

    public init(name: String, address: String, incarnation: UInt64, reachable: Bool, distance: Int?, lastHeardMillisecondsAgo: Int64?, leaving: Bool, isSelf: Bool) {
        self.name = name
        self.address = address
        self.incarnation = incarnation
        self.reachable = reachable
        self.distance = distance
        self.lastHeardMillisecondsAgo = lastHeardMillisecondsAgo
        self.leaving = leaving
        self.isSelf = isSelf
    }
}

/// What this node can tell about the overlay being in pieces (see `OverlaySplit`).
public struct SplitView: Sendable, Equatable {
    /// A split episode is under way.
    public var split: Bool
    /// How long ago its evidence was first seen; nil when there is no split.
    public var sinceMillisecondsAgo: Int64?
    public var unreachableContacts: [String]
    /// Unreachable members still advertising links to each other.
    public var unreachableLinkedMembers: [String]
    /// Every known member not reachable from here (crashed ones included).
    public var unreachableMembers: Int
    /// Split episodes seen since the agent started.
    public var episodes: Int

    public init(split: Bool, sinceMillisecondsAgo: Int64?, unreachableContacts: [String], unreachableLinkedMembers: [String], unreachableMembers: Int, episodes: Int) {
        self.split = split
        self.sinceMillisecondsAgo = sinceMillisecondsAgo
        self.unreachableContacts = unreachableContacts
        self.unreachableLinkedMembers = unreachableLinkedMembers
        self.unreachableMembers = unreachableMembers
        self.episodes = episodes
    }
}

/// Where this node stands: alone by design (no contacts), joining (contacts, no neighbours
/// yet), or in a cluster.
public struct SelfView: Sendable, Equatable {
    public enum State: String, Sendable {
        case alone
        case joining
        case cluster
    }

    public var name: String
    public var state: State
    public var neighbours: Int
    public var contacts: Int
    /// Members reachable from here, this node included.
    public var reachableMembers: Int

    public init(name: String, state: State, neighbours: Int, contacts: Int, reachableMembers: Int) {
        self.name = name
        self.state = state
        self.neighbours = neighbours
        self.contacts = contacts
        self.reachableMembers = reachableMembers
    }
}

/// One node of the spanning tree rooted at some node.
public struct TreeEntry: Sendable, Equatable {
    public var name: String
    public var parent: String?
    public var distance: Int?

    public init(name: String, parent: String?, distance: Int?) {
        self.name = name
        self.parent = parent
        self.distance = distance
    }
}

/// What `lashup debug state` shows of a live node: its views with round-trip times, local
/// health, queues, timers, commits, anti-entropy and the broadcast trees it takes part in.
public struct DebugStateView: Sendable, Equatable {
    public struct Neighbour: Sendable, Equatable {
        public var name: String
        public var address: String
        /// Smoothed RTT and its variation in milliseconds; nil before the first answer.
        public var smoothedRTTMilliseconds: Double?
        public var rttVariationMilliseconds: Double

        public init(name: String, address: String, smoothedRTTMilliseconds: Double?, rttVariationMilliseconds: Double) {
            self.name = name
            self.address = address
            self.smoothedRTTMilliseconds = smoothedRTTMilliseconds
            self.rttVariationMilliseconds = rttVariationMilliseconds
        }
    }

    public var activeView: [Neighbour] = []
    public var passiveView: [String] = []
    /// Lifeguard's local-health score: 0 healthy; higher stretches this node's timeouts.
    public var localHealth = 0
    public var timersArmed = 0
    public var inboxDepth = 0
    public var inboxDropped = 0
    public var transportQueuedBytes = 0
    public var connectionsInbound = 0
    public var connectionsOutbound = 0
    public var commitWaiting = 0
    public var commitTransactions = 0
    public var commitPersists = 0
    public var antiEntropySessions = 0
    public var antiEntropyKeysRepaired = 0
    public var storeKeys = 0
    public var tombstones = 0
    public var watchers = 0
    /// Origin → the neighbours lazy for its tree (the others are eager); origins with every
    /// link eager are left out.
    public var lazyPeersByOrigin: [String: [String]] = [:]

    public init() {}
}
