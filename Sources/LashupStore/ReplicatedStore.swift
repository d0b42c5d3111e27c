import LashupCRDT

/// One node's store as services use it: reads, atomic durable updates, deletes, and
/// subscriptions, over the key space, the SQLite group committer and the subscription registry.
///
/// An update returns only after its new state is durable; the caller then replicates the
/// returned delta (the node broadcasts it). Remote deltas and anti-entropy states enter through
/// `merge`, are persisted the same way and notify subscribers only when something changed.
public actor ReplicatedStore {
    public let replica: ReplicaID
    private var space: KeySpace
    private var registry: SubscriptionRegistry
    private let committer: GroupCommitter
    private var waiting: [SubscriptionID: CheckedContinuation<SubscriptionBatch?, Never>] = [:]

    /// Opens the store on `storage`, loading every key it holds.
    public init(replica: ReplicaID, storage: SQLiteStorage, limits: StoreLimits = StoreLimits(), maximumPendingWrites: Int = 10_000) throws {
        self.replica = replica
        space = try storage.loadAll(limits: limits)
        registry = SubscriptionRegistry()
        committer = GroupCommitter(storage: storage, maximumPending: maximumPendingWrites)
    }

    public func value(_ key: Key) -> Causal<ORMap> { space.value(key) }
    public func keys(matching pattern: KeyPattern) -> [Key] { space.keys(matching: pattern) }
    public var keyCount: Int { space.objects.count }

    /// Applies `operations` atomically (compare-and-set with `context`), waits until the new
    /// state is on disk, and returns the new value and the delta to replicate.
    @discardableResult
    public func update(_ key: Key, _ operations: [MapOperation], context: VersionVector? = nil) async throws -> (value: Causal<ORMap>, delta: Causal<ORMap>) {
        let before = space.value(key)
        let result = try space.update(key, operations, context: context, by: replica)
        try await committer.persist(key, result.value)
        notify(key, before: before)
        return result
    }

    /// Deletes `key` (a tombstone is kept and persisted); returns the delta to replicate.
    @discardableResult
    public func delete(_ key: Key) async throws -> Causal<ORMap> {
        let before = space.value(key)
        let delta = space.delete(key, by: replica)
        if !delta.isEmptyDelta { try await committer.persist(key, space.value(key)) }
        notify(key, before: before)
        return delta
    }

    /// Joins a delta or state from another node; persists and notifies only if it changed
    /// anything. Returns whether it did.
    @discardableResult
    public func merge(_ key: Key, _ incoming: Causal<ORMap>) async throws -> Bool {
        let before = space.value(key)
        guard space.merge(key, incoming) else { return false }
        try await committer.persist(key, space.value(key))
        notify(key, before: before)
        return true
    }

    /// The key space as it is now (for anti-entropy and digests).
    public func snapshot() -> KeySpace { space }

    /// Subscribes to keys matching `pattern`: the sequence first yields every existing matching
    /// key, then each change, coalesced per key while the consumer is busy.
    public func subscribe(matching pattern: KeyPattern) -> StoreSubscription {
        StoreSubscription(store: self, id: registry.subscribe(pattern, space: space))
    }

    func nextBatch(_ id: SubscriptionID) async -> SubscriptionBatch? {
        guard let batch = registry.drain(id, space: space) else { return nil }  // cancelled
        if !batch.changes.isEmpty || batch.resynchronised { return batch }
        return await withCheckedContinuation { continuation in
            if waiting[id] != nil {
                continuation.resume(returning: nil)  // one consumer per subscription
            } else {
                waiting[id] = continuation
            }
        }
    }

    func cancel(_ id: SubscriptionID) {
        registry.unsubscribe(id)
        waiting.removeValue(forKey: id)?.resume(returning: nil)
    }

    private func notify(_ key: Key, before: Causal<ORMap>) {
        registry.changed(key, from: before, to: space.value(key))
        for (id, continuation) in waiting {
            guard let batch = registry.drain(id, space: space), !batch.changes.isEmpty || batch.resynchronised else { continue }
            waiting[id] = nil
            continuation.resume(returning: batch)
        }
    }
}

/// The changes of one subscription, as an `AsyncSequence` of coalesced changes.
public struct StoreSubscription: AsyncSequence, Sendable {
    public typealias Element = KeyChange
    let store: ReplicatedStore
    let id: SubscriptionID

    /// Ends the subscription; a waiting iterator finishes.
    public func cancel() async { await store.cancel(id) }

    public func makeAsyncIterator() -> Iterator { Iterator(store: store, id: id) }

    public struct Iterator: AsyncIteratorProtocol {
        let store: ReplicatedStore
        let id: SubscriptionID
        var buffered: [KeyChange] = []

        public mutating func next() async -> KeyChange? {
            while buffered.isEmpty {
                guard let batch = await store.nextBatch(id) else { return nil }
                buffered = batch.changes.reversed()
            }
            return buffered.popLast()
        }
    }
}
