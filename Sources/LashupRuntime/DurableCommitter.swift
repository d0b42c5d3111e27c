import LashupNode
import LashupStore

/// Makes the node's durable writes durable in groups: writes that arrive while a transaction
/// is being committed wait and go together in the next one, so concurrent updates share one
/// fsync while each still returns only once it is on disk.
///
/// Bounded: beyond `maximumWaiting` writes waiting, `commit` fails at once with an overload
/// error (counted), so a writer learns it was refused instead of queueing without end.
public actor DurableCommitter {
    public let storage: SQLiteStorage
    public let maximumWaiting: Int
    public private(set) var transactions = 0
    public private(set) var writesCommitted = 0
    public private(set) var rejected = 0
    public private(set) var failures = 0

    private var pending: DurableWrite?
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var flushing = false

    public init(storage: SQLiteStorage, maximumWaiting: Int = 10_000) {
        self.storage = storage
        self.maximumWaiting = maximumWaiting
    }

    public var waiting: Int { waiters.count }

    /// Returns once `write` (or a later write covering it) is committed.
    public func commit(_ write: DurableWrite) async throws {
        guard waiters.count < maximumWaiting else {
            rejected += 1
            throw RuntimeError("the disk is behind: \(waiters.count) writes are waiting (limit \(maximumWaiting))")
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending = pending.map { $0.followed(by: write) } ?? write
            waiters.append(continuation)
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while let group = pending {
            let groupWaiters = waiters
            pending = nil
            waiters.removeAll(keepingCapacity: true)
            do {
                try await storage.persist(group)
                transactions += 1
                writesCommitted += groupWaiters.count
                for waiter in groupWaiters { waiter.resume() }
            } catch {
                failures += 1
                for waiter in groupWaiters { waiter.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
