import LashupCRDT

/// Makes writes durable in groups: concurrent writers wait on one SQLite transaction instead
/// of one each, so throughput grows with concurrency while every acknowledgement still means
/// "on disk". Only the newest state of a key is written when a group holds several.
///
/// Bounded: beyond `maximumPending` waiting writes, `persist` fails at once with
/// `StoreError.overloaded` (counted in `rejected`), so a writer learns it was refused.
public actor GroupCommitter {
    public let storage: SQLiteStorage
    public let maximumPending: Int
    public private(set) var groupsWritten = 0
    public private(set) var statesWritten = 0
    public private(set) var rejected = 0

    private var pending: [Key: Causal<ORMap>] = [:]
    private var order: [Key] = []
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var flushing = false

    public init(storage: SQLiteStorage, maximumPending: Int = 10_000) {
        self.storage = storage
        self.maximumPending = maximumPending
    }

    /// Returns once `state` (or a newer state of `key`) is committed to disk.
    public func persist(_ key: Key, _ state: Causal<ORMap>) async throws {
        guard waiters.count < maximumPending else {
            rejected += 1
            throw StoreError.overloaded(pending: waiters.count, limit: maximumPending)
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if pending.updateValue(state, forKey: key) == nil { order.append(key) }
            waiters.append(continuation)
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !waiters.isEmpty {
            let batch = order.map { KeyState(key: $0, state: pending[$0]!) }
            let group = waiters
            pending.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            waiters.removeAll(keepingCapacity: true)
            do {
                try await storage.write(batch)
                groupsWritten += 1
                statesWritten += batch.count
                for waiter in group { waiter.resume() }
            } catch {
                for waiter in group { waiter.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
