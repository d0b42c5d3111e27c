import LashupCRDT
import LashupStore

/// What every service needs from the cluster, and all it may use: the replicated store
/// (read, durable update, delete, a change feed), who is reachable, and this node's published
/// metadata.
///
/// Services take a `Cluster`, never the runtime: the agent hands them its node's
/// implementation, and their tests an `InMemoryCluster` node (several real nodes on an
/// in-memory network), so a service is tested against partitions and concurrent writers
/// without sockets or disks.
public protocol Cluster: Sendable {
    /// This node: its name, incarnation, advertised address and published metadata.
    func local() async -> LocalNode

    /// The value of `key`, or nil when it is absent or deleted.
    func value(_ key: Key) async -> Causal<ORMap>?

    /// The keys holding a value that match `pattern`, in key order, at most `limit`.
    func keys(matching pattern: KeyPattern, limit: Int) async -> KeyListing

    /// Applies `operations` to `key` atomically (compare-and-set when `context` is given)
    /// and returns the new value once it is durable on this node and on its way to the others.
    func update(_ key: Key, _ operations: [MapOperation], context: VersionVector?) async throws(ClusterError) -> Causal<ORMap>

    /// Deletes `key` as this node has observed it, once durable; whether it held a value.
    func delete(_ key: Key) async throws(ClusterError) -> Bool

    /// The keys matching `pattern`: first every existing one, then each change, in batches
    /// coalesced per key while the consumer is busy. A consumer that falls too far behind is
    /// sent every matching key again in one batch marked `resynchronised`, never a silent gap.
    /// Ends when the task iterating it is cancelled or the node stops.
    func changes(matching pattern: KeyPattern) async throws(ClusterError) -> KeyChanges

    /// Every known member, this node included: the current snapshot at once, then a new one
    /// each time anything in it changes. Only the newest snapshot waits for a slow consumer.
    /// Ends when the consumer stops iterating or the node stops.
    func reachability() async throws(ClusterError) -> MemberSnapshots

    /// Publishes this node's metadata record (what `/v1/nodes` and the `thisnode` zone answer
    /// from) to every node; returns once durable here.
    func publishMetadata(_ metadata: NodeMetadata) async throws(ClusterError)
}

extension Cluster {
    /// Applies `operations` to `key` without a compare-and-set.
    public func update(_ key: Key, _ operations: [MapOperation]) async throws(ClusterError) -> Causal<ORMap> {
        try await update(key, operations, context: nil)
    }
}

/// Keys matching a pattern, and whether more matched than were listed.
public struct KeyListing: Sendable, Equatable {
    public var keys: [Key]
    public var truncated: Bool

    public init(keys: [Key], truncated: Bool) {
        self.keys = keys
        self.truncated = truncated
    }
}
