import LashupCRDT

/// Identifies one subscription.
public struct SubscriptionID: Hashable, Sendable {
    public let value: UInt64
}

/// A change a subscriber is told about: the key and its value now (an empty map once deleted).
public struct KeyChange: Sendable, Equatable {
    public var key: Key
    public var value: Causal<ORMap>
}

/// What a subscriber receives on each drain.
public struct SubscriptionBatch: Sendable, Equatable {
    public var changes: [KeyChange]
    /// The subscriber fell too far behind: its pending changes were dropped and `changes`
    /// holds the current value of every matching key instead (nothing is lost, only folded).
    public var resynchronised: Bool
}

/// Subscriptions to key patterns, without I/O: the first batch holds every existing matching
/// key, later batches every change since the last drain, coalesced per key (only the newest
/// value), and never a change that changed nothing.
///
/// Each subscriber's pending set is bounded; past `maximumPendingKeys` it is dropped and the
/// subscriber is resynchronised from the key space on its next drain (counted in `overflows`).
public struct SubscriptionRegistry: Sendable {
    struct Subscriber: Sendable {
        var pattern: KeyPattern
        var pending: [Key: Causal<ORMap>] = [:]
        /// What the subscriber last saw of a pending key (nil: nothing yet), so a key that
        /// changed and changed back between two drains is not reported.
        var seen: [Key: ORMap] = [:]
        var order: [Key] = []
        var overflowed = false
    }

    public let maximumPendingKeys: Int
    public private(set) var overflows = 0
    private var subscribers: [SubscriptionID: Subscriber] = [:]
    private var nextID: UInt64 = 0

    public init(maximumPendingKeys: Int = 10_000) {
        self.maximumPendingKeys = maximumPendingKeys
    }

    public var count: Int { subscribers.count }

    /// Subscribes to `pattern`; the first drain yields every existing matching key.
    public mutating func subscribe(_ pattern: KeyPattern, space: KeySpace) -> SubscriptionID {
        nextID += 1
        let id = SubscriptionID(value: nextID)
        var subscriber = Subscriber(pattern: pattern)
        for key in space.keys(matching: pattern) {
            subscriber.order.append(key)
            subscriber.pending[key] = space.value(key)
        }
        if subscriber.order.count > maximumPendingKeys {
            subscriber = Subscriber(pattern: pattern, overflowed: true)
        }
        subscribers[id] = subscriber
        return id
    }

    public mutating func unsubscribe(_ id: SubscriptionID) { subscribers[id] = nil }

    /// Records that `key` went from `before` to `after`; equal values are not a change.
    /// `before` nil: the caller knows the key changed but not its earlier value.
    public mutating func changed(_ key: Key, from before: Causal<ORMap>?, to after: Causal<ORMap>) {
        guard before?.store != after.store else { return }
        for id in Array(subscribers.keys) where subscribers[id]!.pattern.matches(key) {
            var subscriber = subscribers.removeValue(forKey: id)!
            if !subscriber.overflowed {
                if subscriber.pending.updateValue(after, forKey: key) == nil {
                    subscriber.order.append(key)
                    subscriber.seen[key] = before?.store
                }
                if subscriber.order.count > maximumPendingKeys {
                    overflows += 1
                    subscriber.pending.removeAll()
                    subscriber.seen.removeAll()
                    subscriber.order.removeAll()
                    subscriber.overflowed = true
                }
            }
            subscribers[id] = subscriber
        }
    }

    /// Everything pending for `id`, in the order keys first changed; `nil` for an unknown id.
    public mutating func drain(_ id: SubscriptionID, space: KeySpace) -> SubscriptionBatch? {
        guard var subscriber = subscribers.removeValue(forKey: id) else { return nil }
        defer { subscribers[id] = subscriber }
        if subscriber.overflowed {
            subscriber.overflowed = false
            let changes = space.keys(matching: subscriber.pattern).map { KeyChange(key: $0, value: space.value($0)) }
            return SubscriptionBatch(changes: changes, resynchronised: true)
        }
        let changes = subscriber.order.compactMap { key -> KeyChange? in
            let value = subscriber.pending[key]!
            return subscriber.seen[key] == value.store ? nil : KeyChange(key: key, value: value)
        }
        subscriber.order.removeAll()
        subscriber.pending.removeAll()
        subscriber.seen.removeAll()
        return SubscriptionBatch(changes: changes, resynchronised: false)
    }
}
