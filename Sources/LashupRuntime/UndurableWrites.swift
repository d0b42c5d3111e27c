import LashupNode

/// State a commit failed to write (a full or failing disk). The node already holds it in
/// memory and serves it, so dropping it would let memory and disk disagree until a restart;
/// instead it is written again under the next commit, or by a retry every second, and becomes
/// durable as soon as the disk takes writes again. Nothing the node sends depends on it until
/// then (the failed batch's messages are dropped; anti-entropy carries the state later).
/// Bounded by the key count: later states of a key replace earlier ones.
struct UndurableWrites {
    private(set) var pending: DurableWrite?
    /// Commits that failed since the disk last took a write.
    private(set) var failures = 0
    private var failingSince: ContinuousClock.Instant?

    /// Keys whose latest state is only in memory.
    var keyCount: Int { pending?.keys.count ?? 0 }

    /// The write to commit now: what failed before, with `next` on top; nil when neither has anything.
    func merged(with next: DurableWrite?) -> DurableWrite? {
        switch (pending, next) {
        case (nil, nil): nil
        case let (earlier?, nil): earlier
        case let (nil, later?): later
        case let (earlier?, later?): earlier.followed(by: later)
        }
    }

    /// `write` failed: it is kept. True for the first failure of an outage (worth an error line).
    mutating func failed(_ write: DurableWrite, at now: ContinuousClock.Instant) -> Bool {
        pending = write
        failures += 1
        guard failingSince == nil else { return false }
        failingSince = now
        return true
    }

    /// A commit succeeded: everything kept is durable. Returns how long the outage lasted and
    /// how many commits failed in it, if there was one.
    mutating func succeeded(at now: ContinuousClock.Instant) -> (seconds: Double, failures: Int)? {
        defer {
            pending = nil
            failures = 0
            failingSince = nil
        }
        guard let since = failingSince else { return nil }
        let lasted = (now - since).components
        return (((Double(lasted.seconds) + Double(lasted.attoseconds) / 1e18) * 10).rounded() / 10, failures)
    }
}
