import Foundation
import LashupCRDT
import LashupCluster
import LashupStore

/// The running agent's node as the `Cluster` its services are given.
public struct AgentCluster: Cluster {
    let driver: NodeDriver
    let clusterID: String?

    public init(driver: NodeDriver, clusterID: String? = nil) {
        self.driver = driver
        self.clusterID = clusterID
    }

    public func local() async -> LocalNode {
        var local = await driver.localNode()
        local.clusterID = clusterID
        return local
    }
    public func value(_ key: Key) async -> Causal<ORMap>? { await driver.value(key) }

    public func keys(matching pattern: KeyPattern, limit: Int) async -> KeyListing {
        let (keys, truncated) = await driver.keys(matching: pattern, limit: limit)
        return KeyListing(keys: keys, truncated: truncated)
    }

    public func update(_ key: Key, _ operations: [MapOperation], context: VersionVector?) async throws(ClusterError) -> Causal<ORMap> {
        do {
            return try await driver.update(key, operations, context: context)
        } catch {
            throw ClusterError(error)
        }
    }

    public func delete(_ key: Key) async throws(ClusterError) -> Bool {
        do {
            return try await driver.delete(key)
        } catch {
            throw ClusterError(error)
        }
    }

    public func changes(matching pattern: KeyPattern) async throws(ClusterError) -> KeyChanges {
        KeyChanges(source: driver, id: try await driver.subscribe(pattern))
    }

    public func reachability() async throws(ClusterError) -> MemberSnapshots { try await driver.openReachability() }

    public func publishMetadata(_ metadata: NodeMetadata) async throws(ClusterError) {
        let key = try NodeMetadata.key(of: await driver.me.id.name)
        // Wall-clock nanoseconds: the register must order this node's writes across restarts.
        let stamp = UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000_000))
        _ = try await update(key, metadata.operations(timestamp: stamp), context: nil)
    }
}

extension ClusterError {
    /// The cluster error a driver failure is.
    init(_ error: any Error) {
        switch error {
        case let error as ClusterError: self = error
        case let error as StoreError: self = .rejected(error)
        case let error as DriverError: self = error.clusterError
        default: self = .notDurable(reason: "\(error)")
        }
    }
}

/// Why the driver refused a request before the store saw it.
enum DriverError: Error, CustomStringConvertible {
    case shuttingDown

    var clusterError: ClusterError {
        switch self {
        case .shuttingDown: .shuttingDown
        }
    }

    var description: String { clusterError.description }
}

extension NodeDriver: ChangeSource {
    func localNode() -> LocalNode { node.localNode() }

    func subscribe(_ pattern: KeyPattern) throws(ClusterError) -> SubscriptionID {
        guard !stopped else { throw .shuttingDown }
        return try feeds.subscribe(pattern, space: node.space)
    }

    public func nextBatch(_ id: SubscriptionID) async -> SubscriptionBatch? {
        let space = node.space
        return await withCheckedContinuation { continuation in
            feeds.next(id, space: space, continuation: continuation)
        }
    }

    public func cancel(_ id: SubscriptionID) { feeds.cancel(id) }

    func openReachability() throws(ClusterError) -> MemberSnapshots {
        guard !stopped else { throw .shuttingDown }
        return try reachabilityStreams.open(current: node.memberSnapshots()) { [weak self] id in
            guard let self else { return }
            Task { await self.closeReachability(id) }
        }
    }

    func closeReachability(_ id: UInt64) { reachabilityStreams.close(id) }

    /// Sends the member table to reachability streams, when any is open.
    func publishReachability() {
        guard reachabilityStreams.count > 0 else { return }
        reachabilityStreams.publish(node.memberSnapshots())
    }
}
