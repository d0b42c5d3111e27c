import LashupCluster
import LashupStore

/// The running agent's node as the REST API and the CLI see it (`ClusterIntrospection`).
public struct AgentIntrospection: ClusterIntrospection {
    let driver: NodeDriver

    public init(driver: NodeDriver) { self.driver = driver }

    public func members() async -> [MemberView] { await driver.members() }
    public func selfView() async -> SelfView { await driver.selfView() }
    public func split() async -> SplitView { await driver.split() }

    public func tree(root: String?) async -> (root: String, nodes: [TreeEntry]) {
        let nodes = await driver.tree(root: root)
        let me = await driver.me.id.name
        return (root ?? me, nodes)
    }

    public func changeIndex() async -> UInt64 { await driver.changeIndex }

    public func watch(_ pattern: KeyPattern, after index: UInt64?, timeout: Duration) async throws(ClusterError) -> WatchResult {
        try await driver.watch(pattern, after: index, timeout: timeout)
    }

    public func metrics() async -> [MetricSample] { await driver.statistics().metricSamples }

    public func links() async -> [String: [String]] { await driver.links() }

    public func debugState() async -> DebugStateView? { await driver.debugState() }
}
