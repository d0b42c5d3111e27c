import LashupStore

/// What an operator-facing front end (the REST API, the dashboard) reads about the agent
/// beyond the `Cluster` services use: the member table as the agent sees it, its own state,
/// the overlay's split evidence, broadcast trees, the numbered change log behind blocking and
/// streaming watches, and its metrics. Services never need it.
public protocol ClusterIntrospection: Sendable {
    /// Every node this one knows of, itself included, by name.
    func members() async -> [MemberView]
    /// Alone, joining or in a cluster.
    func selfView() async -> SelfView
    /// Whether this node sees the overlay in pieces, and the evidence.
    func split() async -> SplitView
    /// The shortest-path tree from `root` (this node when nil): its root's name and nodes.
    func tree(root: String?) async -> (root: String, nodes: [TreeEntry])
    /// The change log's newest index: a watch after it sees every later change.
    func changeIndex() async -> UInt64
    /// Keys matching `pattern` changed after `index` (nil: after now), waiting up to
    /// `timeout` for one.
    func watch(_ pattern: KeyPattern, after index: UInt64?, timeout: Duration) async throws(ClusterError) -> WatchResult
    /// Every metric the agent exports, read in one step.
    func metrics() async -> [MetricSample]
    /// Each known node's advertised active view (its overlay links), by node name.
    func links() async -> [String: [String]]
    /// The node's internals for `lashup debug state`; nil when not available.
    func debugState() async -> DebugStateView?
}

extension ClusterIntrospection {
    /// No links known (an introspection that does not track them).
    public func links() async -> [String: [String]] { [:] }
    public func debugState() async -> DebugStateView? { nil }
}

/// What one watch saw.
public struct WatchResult: Sendable, Equatable {
    /// Pass this as `after` to the next watch.
    public var index: UInt64
    public var keys: [Key]
    /// Each key's latest change index, ascending (parallel to `keys`).
    public var keyIndices: [UInt64]
    /// Changes after the requested index were dropped from the bounded log: re-read.
    public var reset: Bool

    public init(index: UInt64, keys: [Key], keyIndices: [UInt64], reset: Bool) {
        self.index = index
        self.keys = keys
        self.keyIndices = keyIndices
        self.reset = reset
    }
}

/// One exported number: a gauge (a level now) or a counter (a total since start).
public struct MetricSample: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case gauge
        case counter
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var value: Int

    public init(_ kind: Kind, _ name: String, _ help: String, _ value: Int) {
        self.kind = kind
        self.name = name
        self.help = help
        self.value = value
    }
}
