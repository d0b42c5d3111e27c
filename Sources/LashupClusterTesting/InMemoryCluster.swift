import LashupCRDT
import LashupCluster
import LashupMembership
import LashupNode
import LashupSimulation
import LashupStore

/// Several real `LashupNode`s in one process, on an in-memory network with a manual clock:
/// what a service's tests run against instead of agents. Time moves only in `advance(by:)`,
/// so "three nodes, partition, concurrent writes, heal" runs in milliseconds and the same
/// seed replays the same run.
///
/// `node(i)` is node i's `Cluster`: updates on it are applied and durable at once (the
/// simulated disk is synchronous) and its change feeds and reachability streams follow what
/// the node learns as the network delivers. A crash ends the node's feeds, as a process death
/// ends its services; after `restart` new feeds can be opened.
public actor InMemoryCluster {
    let simulation: ClusterSimulation
    var hubs: [SubscriptionHub]
    var streams: [ReachabilityStreams]
    let changed = ChangeBuffer()

    /// - Parameters:
    ///   - nodes: how many nodes (named `node-0` …), all started at once, joining through node 0.
    ///   - maximumPendingKeys: each change feed's bound before it is resynchronised.
    public init(nodes: Int = 3, seed: UInt64 = 1, latency: Duration = .milliseconds(1), maximumPendingKeys: Int = 10_000) {
        simulation = ClusterSimulation(
            nodes: nodes, contacts: [0], seed: seed,
            network: NetworkModel(nodes: nodes, latency: latency, loss: 0)
        )
        count = nodes
        hubs = (0..<nodes).map { _ in SubscriptionHub(maximumPendingKeys: maximumPendingKeys) }
        streams = (0..<nodes).map { _ in ReachabilityStreams() }
        let changed = changed
        simulation.onEvent = { _, index, observation in
            if case let .event(.keyChanged(key)) = observation { changed.append(index, key) }
        }
        for index in 0..<nodes { simulation.start(index) }
    }

    /// How many nodes the cluster has.
    public nonisolated let count: Int

    /// Node `index` as a service sees it.
    public nonisolated func node(_ index: Int) -> InMemoryNode {
        precondition(index >= 0 && index < count, "no node \(index) in a cluster of \(count)")
        return InMemoryNode(cluster: self, index: index)
    }

    /// Virtual time since the cluster was made.
    public var now: Duration { simulation.now - .zero }

    /// Lets `duration` of virtual time pass: messages are delivered, timers fire, and every
    /// node's feeds and streams are told what changed.
    public func advance(by duration: Duration) {
        simulation.run(until: simulation.now + duration)
        notify()
    }

    /// Cuts every link between `side` and `other` (both ways unless `symmetric` is false).
    public func partition(_ side: [Int], _ other: [Int], symmetric: Bool = true) {
        simulation.network.partition(side, other, symmetric: symmetric)
    }

    /// Restores every link.
    public func heal() { simulation.network.heal() }

    /// Drops this fraction of messages from now on.
    public func setLoss(_ loss: Double) { simulation.network.loss = loss }

    /// Kills node `index`: its in-memory state, feeds and streams end; what it made durable stays.
    public func crash(_ index: Int) {
        simulation.crash(index)
        hubs[index].finish()
        streams[index].finish()
    }

    /// Boots a crashed node again from what it made durable.
    public func restart(_ index: Int) {
        guard simulation.status[index] == .crashed else { return }
        simulation.start(index)
        hubs[index].reopen()
        simulation.run(until: simulation.now)
        notify()
    }

    /// Erases what crashed node `index` made durable, as a replaced disk would.
    public func wipe(_ index: Int) {
        guard simulation.status[index] == .crashed else { return }
        simulation.wipe(index)
    }

    /// Whether node `index` is running.
    public func isRunning(_ index: Int) -> Bool { simulation.status[index] == .up }

    /// Node `index`'s view of every member now (what its reachability stream would send).
    public func members(of index: Int) -> [MemberSnapshot] {
        guard simulation.status[index] == .up, let node = simulation.node(index) else { return [] }
        return node.memberSnapshots()
    }

    /// How many times each node's change feeds fell behind and were resynchronised.
    public func feedOverflows() -> [Int] { hubs.map(\.overflows) }

    /// How many distinct key spaces the running nodes hold (1: all replicas equal).
    public func distinctKeySpaces() -> Int { simulation.distinctKeySpaces() }

    /// Feeds each node's key changes to its hub, then publishes reachability snapshots.
    func notify() {
        for (index, key) in changed.take() {
            guard let node = simulation.node(index) else { continue }
            hubs[index].changed(key, from: nil, space: node.space)
        }
        for index in 0..<count {
            guard let node = simulation.node(index) else { continue }
            streams[index].publish(node.memberSnapshots())
        }
    }

    func running(_ index: Int) throws(ClusterError) -> LashupNode {
        guard simulation.status[index] == .up, let node = simulation.node(index) else { throw .shuttingDown }
        return node
    }
}

/// Key changes the simulation reported while it ran, collected for `InMemoryCluster.notify`.
final class ChangeBuffer: @unchecked Sendable {
    // Only touched from the cluster actor (the simulation runs inside it).
    private var changes: [(Int, Key)] = []

    func append(_ index: Int, _ key: Key) { changes.append((index, key)) }

    func take() -> [(Int, Key)] {
        defer { changes.removeAll() }
        return changes
    }
}
