import LashupCluster
import LashupStore

/// The blocking watches of the API (`/lashup/watch?index=N`): the numbered change log, and who
/// waits for which keys after which index. Pure: the caller owns the waiters (the driver's
/// continuations, a test's numbers) and resumes the ones each call hands back, so ordering,
/// bounds and timeouts are tested without tasks.
struct WatchRegistry<Waiter> {
    struct Watch {
        var pattern: KeyPattern
        var after: UInt64
        var waiter: Waiter
        var reserved: Bool
    }

    /// Most unreserved watches waiting at once.
    let maximumWatches: Int
    private(set) var log: ChangeLog
    private var watches: [UInt64: Watch] = [:]
    private var nextID: UInt64 = 0

    init(maximumWatches: Int, logCapacity: Int = 10_000) {
        self.maximumWatches = maximumWatches
        log = ChangeLog(capacity: logCapacity)
    }

    /// Watches waiting, reserved ones included.
    var count: Int { watches.count }

    /// What a watch of `pattern` after `index` returns at once: the matching keys changed
    /// since, a reset when the log no longer reaches back that far, or nil (it must wait).
    func pending(_ pattern: KeyPattern, after index: UInt64) -> WatchResult? {
        guard let changes = log.indexedChanges(after: index, matching: pattern) else {
            return WatchResult(index: log.lastIndex, keys: [], keyIndices: [], reset: true)
        }
        return changes.isEmpty ? nil : WatchResult(index: log.lastIndex, keys: changes.map(\.key), keyIndices: changes.map(\.index), reset: false)
    }

    /// Whether one more watch may wait: `tooManySubscriptions` when full, except for
    /// `reserved` watches (the agent's own services, a fixed few), which clients holding
    /// every slot cannot freeze. Asked before `add`, which takes the waiter as it is made.
    func admit(reserved: Bool) throws(ClusterError) {
        guard reserved || watches.values.lazy.filter({ !$0.reserved }).count < maximumWatches else {
            throw .tooManySubscriptions(limit: maximumWatches)
        }
    }

    /// Registers a waiter for the first change of `pattern` after `index` (admitted first),
    /// and returns its id (for `expire`).
    mutating func add(_ pattern: KeyPattern, after index: UInt64, waiter: Waiter, reserved: Bool) -> UInt64 {
        nextID += 1
        watches[nextID] = Watch(pattern: pattern, after: max(index, log.lastIndex), waiter: waiter, reserved: reserved)
        return nextID
    }

    /// Records a change of `key`; returns the waiters it completes, with their results.
    mutating func record(_ key: Key) -> [(waiter: Waiter, result: WatchResult)] {
        log.record(key)
        var completed: [(waiter: Waiter, result: WatchResult)] = []
        for (id, watch) in watches where watch.pattern.matches(key) {
            if let result = pending(watch.pattern, after: watch.after) {
                watches[id] = nil
                completed.append((watch.waiter, result))
            }
        }
        return completed
    }

    /// Ends watch `id` with no keys (its time is up), if it still waits. The result's index
    /// is where it started, so watching again from it misses nothing.
    mutating func expire(_ id: UInt64) -> (waiter: Waiter, result: WatchResult)? {
        guard let watch = watches.removeValue(forKey: id) else { return nil }
        return (watch.waiter, WatchResult(index: watch.after, keys: [], keyIndices: [], reset: false))
    }

    /// Ends every watch with no keys (shutdown).
    mutating func finishAll() -> [(waiter: Waiter, result: WatchResult)] {
        let ended = watches.values.map { ($0.waiter, WatchResult(index: log.lastIndex, keys: [], keyIndices: [], reset: false)) }
        watches.removeAll()
        return ended
    }
}
