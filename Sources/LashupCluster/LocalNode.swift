/// This node, as services see it.
public struct LocalNode: Sendable, Equatable {
    public var name: String
    /// Rises on every restart; a node's records with a lower one are stale.
    public var incarnation: UInt64
    /// The gossip address peers reach it at.
    public var address: String
    /// What it published last; empty until it publishes.
    public var metadata: NodeMetadata
    /// The cluster's id where the cluster has one (the agent derives it from its CA; DNS
    /// answers `*.<zone>.<cluster-id>.dcos.directory`); nil otherwise.
    public var clusterID: String?

    public init(name: String, incarnation: UInt64, address: String, metadata: NodeMetadata, clusterID: String? = nil) {
        self.clusterID = clusterID
        self.name = name
        self.incarnation = incarnation
        self.address = address
        self.metadata = metadata
    }
}
