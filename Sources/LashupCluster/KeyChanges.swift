import LashupStore

/// Where a change feed's batches come from: the cluster implementation that owns the key
/// space and the subscription.
public protocol ChangeSource: Sendable {
    /// The next non-empty batch for `id`, waiting for one; nil once the feed ended.
    func nextBatch(_ id: SubscriptionID) async -> SubscriptionBatch?
    /// Ends the feed; a waiting `nextBatch` returns nil.
    func cancel(_ id: SubscriptionID) async
}

/// The changes of keys matching a pattern, in batches (see `Cluster.changes(matching:)`).
/// Iterate it from one task; cancelling that task ends the feed and frees its slot.
public struct KeyChanges: AsyncSequence, Sendable {
    public typealias Element = SubscriptionBatch
    let source: any ChangeSource
    let id: SubscriptionID

    public init(source: any ChangeSource, id: SubscriptionID) {
        self.source = source
        self.id = id
    }

    /// Ends the feed from outside the iterating task.
    public func cancel() async { await source.cancel(id) }

    public func makeAsyncIterator() -> Iterator { Iterator(source: source, id: id) }

    public struct Iterator: AsyncIteratorProtocol, Sendable {
        let source: any ChangeSource
        let id: SubscriptionID

        public mutating func next() async -> SubscriptionBatch? {
            let source = source, id = id
            if Task.isCancelled {
                await source.cancel(id)
                return nil
            }
            return await withTaskCancellationHandler {
                await source.nextBatch(id)
            } onCancel: {
                Task { await source.cancel(id) }
            }
        }
    }
}
