import LashupCRDT
import LashupWire

/// The replicated key space held by one node, without I/O: every key maps to a causal OR-map.
///
/// Local updates are validated against `StoreLimits` before anything changes, apply
/// atomically, and return the new value with the delta to replicate; remote deltas and states
/// join in any order. This is the value layer the store's replication, persistence and
/// subscriptions are built on.
public struct KeySpace: Sendable {
    public let limits: StoreLimits
    public private(set) var objects: [Key: Causal<ORMap>] = [:]
    /// Per-key state digests and their per-bucket XOR, kept up to date by `store(_:_:)` so an
    /// anti-entropy round costs nothing per unchanged key.
    private(set) var keyDigestCache: [Key: UInt64] = [:]
    private(set) var bucketCache = Array(repeating: UInt64(0), count: KeySpace.bucketCount)
    /// Keys changed since their digest was last computed: hashing a state costs its whole
    /// encoding, so a burst of small deltas into one large value is hashed once, when an
    /// anti-entropy round next asks.
    private(set) var staleDigests: Set<Key> = []

    public init(limits: StoreLimits = StoreLimits()) {
        self.limits = limits
    }

    /// A key space holding `states`, as read back from this node's own disk: installed
    /// without a join, and every digest computed once, up front.
    public init(restoring states: [Key: Causal<ORMap>], limits: StoreLimits = StoreLimits()) {
        self.init(limits: limits)
        for (key, state) in states { installLoaded(key, state) }
        refreshDigests()
    }

    /// The value of `key`; an absent key reads as the empty map with an empty context.
    public func value(_ key: Key) -> Causal<ORMap> { objects[key] ?? Causal() }

    /// Keys matching `pattern` that hold a value (deleted keys excluded), in key order.
    public func keys(matching pattern: KeyPattern) -> [Key] {
        objects.filter { !$0.value.store.isEmpty && pattern.matches($0.key) }.map(\.key).sorted()
    }

    /// Keys whose value was deleted but whose causal context is kept, so that a late delta the
    /// delete observed cannot bring the value back (tombstones).
    public var tombstones: [Key] {
        objects.filter { $0.value.store.isEmpty && !$0.value.context.isEmpty }.map(\.key).sorted()
    }

    /// Deletes `key` as observed here: every field's observed contents go, and updates
    /// concurrent with the delete survive it (update wins), as for a field remove. The key's
    /// context stays as a tombstone. Deleting an absent key is an empty delta.
    @discardableResult
    public mutating func delete(_ key: Key, by replica: ReplicaID) -> Causal<ORMap> {
        guard var current = objects.removeValue(forKey: key) else { return Causal() }
        let removals = current.store.keys.map { MapOperation.remove($0) }
        current.apply(removals, by: replica)
        store(key, current)
        // The delta carries the key's whole context, not just the dots it removed here: a
        // receiver still holding an add this replica had already seen superseded (an older
        // re-add of an element, say) drops it too, so no stale element outlives the delete.
        return Causal(store: ORMap(), context: current.context)
    }

    /// Applies `operations` to `key` atomically as `replica`. With `context`, succeeds only if
    /// the key's version vector still equals it (compare-and-set).
    /// - Returns: the new value and the delta to replicate.
    @discardableResult
    public mutating func update(_ key: Key, _ operations: [MapOperation], context: VersionVector? = nil, by replica: ReplicaID) throws(StoreError) -> (value: Causal<ORMap>, delta: Causal<ORMap>) {
        try validate(operations)
        let current = objects[key] ?? Causal()
        if let context, context != current.context.versionVector || !current.context.cloud.isEmpty {
            throw .conflict(key: key, expected: context, actual: current.context.versionVector)
        }
        var updated = objects.removeValue(forKey: key) ?? Causal()
        let delta = updated.apply(operations, by: replica)
        store(key, updated)
        return (updated, delta)
    }

    /// Joins a delta or state received for `key`; returns whether the value changed.
    @discardableResult
    public mutating func merge(_ key: Key, _ incoming: Causal<ORMap>) -> Bool {
        var current = objects.removeValue(forKey: key) ?? Causal()
        let before = current
        current.merge(incoming)
        store(key, current)
        return current != before
    }

    /// Installs a state read back from this node's own disk (a restart): no join needed, the
    /// key is not yet present.
    public mutating func installLoaded(_ key: Key, _ state: Causal<ORMap>) {
        guard objects[key] == nil else {
            merge(key, state)
            return
        }
        store(key, state)
    }

    /// Forgets `key` entirely, tombstone included. Only for a tombstone every replica has
    /// seen (see `TombstoneCollector`); anything else would let old deltas resurrect values.
    public mutating func forget(_ key: Key) {
        guard objects.removeValue(forKey: key) != nil else { return }
        staleDigests.insert(key)
    }

    /// Stores `state` under `key`; its digest is recomputed lazily. A state that has never
    /// seen a write (say a remove of an absent element on an absent key) is not stored, so
    /// replicas that did and did not receive it hold, and digest, the same key space.
    private mutating func store(_ key: Key, _ state: Causal<ORMap>) {
        if state.store.isEmpty && state.context.isEmpty {
            objects[key] = nil
        } else {
            objects[key] = state
        }
        staleDigests.insert(key)
    }

    /// Brings every changed key's digest and bucket hash up to date.
    public mutating func refreshDigests() {
        for key in staleDigests { refreshDigest(of: key, state: objects[key]) }
        staleDigests.removeAll()
    }

    private mutating func refreshDigest(of key: Key, state: Causal<ORMap>?) {
        let bucket = KeySpace.bucket(of: key)
        if let old = keyDigestCache[key] { bucketCache[bucket] ^= old }
        if let state {
            let digest = KeySpace.digest(of: key, state: state)
            keyDigestCache[key] = digest
            bucketCache[bucket] ^= digest
        } else {
            keyDigestCache[key] = nil
        }
    }

    /// Refuses an update that breaks a limit, before anything is applied.
    func validate(_ operations: [MapOperation]) throws(StoreError) {
        guard operations.count <= limits.maximumOperationsPerUpdate else {
            throw .tooManyOperations(count: operations.count, limit: limits.maximumOperationsPerUpdate)
        }
        for operation in operations { try validate(operation, depth: 1) }
    }

    private func validate(_ operation: MapOperation, depth: Int) throws(StoreError) {
        guard depth <= limits.maximumNestingDepth else {
            throw .nestingTooDeep(depth: depth, limit: limits.maximumNestingDepth)
        }
        switch operation {
        case let .remove(field):
            try check(field.name)
        case let .update(name, fieldOperation):
            try check(name)
            switch fieldOperation {
            case let .assign(value, _), let .add(value), let .remove(value):
                try check(value)
            case let .update(inner):
                guard inner.count <= limits.maximumOperationsPerUpdate else {
                    throw .tooManyOperations(count: inner.count, limit: limits.maximumOperationsPerUpdate)
                }
                for nested in inner { try validate(nested, depth: depth + 1) }
            case .enable, .disable, .increment:
                break
            }
        }
    }

    private func check(_ value: Value) throws(StoreError) {
        let bytes = value.encodedBuffer().readableBytes
        guard bytes <= limits.maximumValueBytes else { throw .valueTooLarge(bytes: bytes, limit: limits.maximumValueBytes) }
    }
}
