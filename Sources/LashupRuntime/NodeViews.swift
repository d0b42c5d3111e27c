import LashupGossip
import LashupMembership
import LashupNode
import LashupStore

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
    /// Keys whose latest state a failed commit left only in memory (retried every second).
    public var commitUndurableKeys = 0
    /// Commits failed since the disk last took one.
    public var commitFailures = 0
    public var watchers = 0
}
