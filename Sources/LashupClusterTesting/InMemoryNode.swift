import LashupCRDT
import LashupCluster
import LashupNode
import LashupSimulation
import LashupStore

/// One node of an `InMemoryCluster`, as the `Cluster` a service is given.
public struct InMemoryNode: Cluster {
    public let cluster: InMemoryCluster
    public let index: Int

    public func local() async -> LocalNode { await cluster.local(index) }
    public func value(_ key: Key) async -> Causal<ORMap>? { await cluster.value(key, on: index) }
    public func keys(matching pattern: KeyPattern, limit: Int) async -> KeyListing { await cluster.keys(matching: pattern, limit: limit, on: index) }

    public func update(_ key: Key, _ operations: [MapOperation], context: VersionVector?) async throws(ClusterError) -> Causal<ORMap> {
        try await cluster.update(key, operations, context: context, on: index)
    }

    public func delete(_ key: Key) async throws(ClusterError) -> Bool { try await cluster.delete(key, on: index) }

    public func changes(matching pattern: KeyPattern) async throws(ClusterError) -> KeyChanges {
        KeyChanges(source: NodeChangeSource(cluster: cluster, index: index), id: try await cluster.subscribe(pattern, on: index))
    }

    public func reachability() async throws(ClusterError) -> MemberSnapshots { try await cluster.openReachability(on: index) }

    public func publishMetadata(_ metadata: NodeMetadata) async throws(ClusterError) {
        try await cluster.publish(metadata, on: index)
    }
}

/// The change feeds of one in-memory node.
struct NodeChangeSource: ChangeSource {
    let cluster: InMemoryCluster
    let index: Int

    func nextBatch(_ id: SubscriptionID) async -> SubscriptionBatch? { await cluster.nextBatch(id, on: index) }
    func cancel(_ id: SubscriptionID) async { await cluster.cancel(id, on: index) }
}

extension InMemoryCluster {
    func local(_ index: Int) -> LocalNode {
        let peer = simulation.peers[index]
        return simulation.node(index)?.localNode()
            ?? LocalNode(name: peer.id.name, incarnation: 0, address: peer.address, metadata: NodeMetadata())
    }

    func value(_ key: Key, on index: Int) -> Causal<ORMap>? { simulation.node(index)?.liveValue(key) }

    func keys(matching pattern: KeyPattern, limit: Int, on index: Int) -> KeyListing {
        guard let node = simulation.node(index) else { return KeyListing(keys: [], truncated: false) }
        let all = node.space.keys(matching: pattern).filter { node.liveValue($0) != nil }
        return KeyListing(keys: Array(all.prefix(limit)), truncated: all.count > limit)
    }

    func update(_ key: Key, _ operations: [MapOperation], context: VersionVector?, on index: Int) throws(ClusterError) -> Causal<ORMap> {
        var node = try running(index)
        let before = node.space.value(key)
        var result: Result<Causal<ORMap>, StoreError> = .failure(.invalidKey("unset"))
        simulation.perform(on: index) { node, now in
            do throws(StoreError) {
                let (value, effects) = try node.update(key, operations, context: context, now: now)
                result = .success(value)
                return LashupNode.simulated(effects)
            } catch {
                result = .failure(error)
                return []
            }
        }
        let value: Causal<ORMap>
        switch result {
        case let .success(success): value = success
        case let .failure(error): throw .rejected(error)
        }
        node = try running(index)
        hubs[index].changed(key, from: before, space: node.space)
        notify()
        return value
    }

    func delete(_ key: Key, on index: Int) throws(ClusterError) -> Bool {
        let before = try running(index).space.value(key)
        simulation.delete(on: index, key)
        let node = try running(index)
        hubs[index].changed(key, from: before, space: node.space)
        notify()
        return !before.store.isEmpty
    }

    func publish(_ metadata: NodeMetadata, on index: Int) throws(ClusterError) {
        let key = try NodeMetadata.key(of: simulation.peers[index].id.name)
        // Virtual time is the writer's clock; +1 keeps two publications at one instant ordered.
        let stamp = UInt64(simulation.now.nanoseconds) + 1
        _ = try update(key, metadata.operations(timestamp: stamp), context: nil, on: index)
    }

    func subscribe(_ pattern: KeyPattern, on index: Int) throws(ClusterError) -> SubscriptionID {
        let node = try running(index)
        return try hubs[index].subscribe(pattern, space: node.space)
    }

    func nextBatch(_ id: SubscriptionID, on index: Int) async -> SubscriptionBatch? {
        guard let node = simulation.node(index) else { return nil }
        let space = node.space
        return await withCheckedContinuation { continuation in
            hubs[index].next(id, space: space, continuation: continuation)
        }
    }

    func cancel(_ id: SubscriptionID, on index: Int) { hubs[index].cancel(id) }

    func openReachability(on index: Int) throws(ClusterError) -> MemberSnapshots {
        let node = try running(index)
        return try streams[index].open(current: node.memberSnapshots()) { [weak self] id in
            guard let self else { return }
            Task { await self.closeReachability(id, on: index) }
        }
    }

    func closeReachability(_ id: UInt64, on index: Int) { streams[index].close(id) }
}
