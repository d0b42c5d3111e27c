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
    public var commitTransactions = 0
    public var commitWaiting = 0
    public var commitRejected = 0
    public var watchers = 0
}
