import LashupGossip
import LashupMembership
import LashupNode
import LashupStore

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
}

/// One node of the spanning tree rooted at some node.
public struct TreeEntry: Sendable, Equatable {
    public var name: String
    public var parent: String?
    public var distance: Int?
}

/// Everything the metrics endpoint reports, read in one step.
public struct AgentStatistics: Sendable {
    public var activeView = 0
    public var passiveView = 0
    public var knownMembers = 0
    public var reachableMembers = 0
    public var unreachableMembers = 0
    public var unreachableContacts = 0
    public var overlaySplit = false
    public var splitEpisodes = 0
    public var partitionProbesSent = 0
    public var membership = MembershipStatistics()
    public var plumtree = PlumtreeStatistics()
    public var cluster = ClusterStatistics()
    public var transport = TransportStatistics()
    public var keys = 0
    public var tombstones = 0
    public var inputsDropped = 0
    public var inputsQueued = 0
    public var storeUpdates = 0
    public var storeUpdateFailures = 0
    /// SQLite transactions the driver committed, and the node steps' persists they carried.
    public var commitTransactions = 0
    public var commitPersists = 0
    /// Node steps whose effects wait for the disk.
    public var commitWaiting = 0
    /// Local updates refused because too many steps waited.
    public var commitRejected = 0
    public var watchers = 0
}
