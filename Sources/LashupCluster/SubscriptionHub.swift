import LashupCRDT
import LashupStore

/// The change feeds of one node, without I/O: the registry's coalescing and resync rules,
/// the bound on how many feeds exist, and the consumers parked waiting for a batch. The
/// owner (an actor holding the key space) calls it on every change.
public struct SubscriptionHub: Sendable {
    /// Most feeds open at once; beyond, `subscribe` fails with `.tooManySubscriptions`.
    public let maximumSubscriptions: Int
    public private(set) var registry: SubscriptionRegistry
    private var parked: [SubscriptionID: CheckedContinuation<SubscriptionBatch?, Never>] = [:]
    private var open: Set<SubscriptionID> = []
    /// Feeds whose first batch (every existing key, possibly none) is not yet taken: it is
    /// handed over even when empty, so a consumer learns it is caught up.
    private var awaitingFirst: Set<SubscriptionID> = []
    private var finished = false

    public init(maximumSubscriptions: Int = 256, maximumPendingKeys: Int = 10_000) {
        self.maximumSubscriptions = maximumSubscriptions
        registry = SubscriptionRegistry(maximumPendingKeys: maximumPendingKeys)
    }

    public var count: Int { registry.count }
    /// Feeds that fell behind and were resynchronised.
    public var overflows: Int { registry.overflows }

    public mutating func subscribe(_ pattern: KeyPattern, space: KeySpace) throws(ClusterError) -> SubscriptionID {
        guard !finished else { throw .shuttingDown }
        guard registry.count < maximumSubscriptions else { throw .tooManySubscriptions(limit: maximumSubscriptions) }
        let id = registry.subscribe(pattern, space: space)
        open.insert(id)
        awaitingFirst.insert(id)
        return id
    }

    /// Hands the consumer its next batch now if one is pending, or parks it until a change.
    public mutating func next(_ id: SubscriptionID, space: KeySpace, continuation: CheckedContinuation<SubscriptionBatch?, Never>) {
        guard !finished, let batch = registry.drain(id, space: space) else { return continuation.resume(returning: nil) }
        if awaitingFirst.remove(id) != nil || !batch.changes.isEmpty || batch.resynchronised {
            return continuation.resume(returning: batch)
        }
        // One consumer per feed: a second concurrent `next` ends the older one.
        parked.updateValue(continuation, forKey: id)?.resume(returning: nil)
    }

    /// Records that `key` changed (`before` nil: not known) and wakes the consumers it concerns.
    public mutating func changed(_ key: Key, from before: Causal<ORMap>?, space: KeySpace) {
        registry.changed(key, from: before, to: space.value(key))
        for (id, continuation) in parked {
            guard let batch = registry.drain(id, space: space), !batch.changes.isEmpty || batch.resynchronised else { continue }
            parked[id] = nil
            continuation.resume(returning: batch)
        }
    }

    public mutating func cancel(_ id: SubscriptionID) {
        registry.unsubscribe(id)
        open.remove(id)
        awaitingFirst.remove(id)
        parked.removeValue(forKey: id)?.resume(returning: nil)
    }

    /// Ends every feed (the node stops): parked consumers get nil, new feeds are refused.
    public mutating func finish() {
        finished = true
        for id in open { registry.unsubscribe(id) }
        open.removeAll()
        awaitingFirst.removeAll()
        for continuation in parked.values { continuation.resume(returning: nil) }
        parked.removeAll()
    }

    /// Takes new feeds again after `finish` (the node restarted). Feeds ended before stay
    /// ended: identifiers are never reused.
    public mutating func reopen() { finished = false }
}
