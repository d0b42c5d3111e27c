import LashupStore

/// The recent key changes of this node, numbered, for watches: a watcher asks for changes
/// after the last index it saw. Bounded to `capacity` entries; a watcher that fell further
/// behind is told to re-read (`reset`) instead of silently missing changes.
public struct ChangeLog: Sendable {
    public let capacity: Int
    /// The index of the newest change (0: none yet).
    public private(set) var lastIndex: UInt64 = 0
    private var entries: [(index: UInt64, key: Key)] = []
    private var start = 0

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    public mutating func record(_ key: Key) {
        lastIndex += 1
        if entries.count < capacity {
            entries.append((lastIndex, key))
        } else {
            entries[start] = (lastIndex, key)
            start = (start + 1) % capacity
        }
    }

    /// Keys matching `pattern` changed after `index` (each once, in order of their latest
    /// change), or nil when changes after `index` were already dropped.
    public func changes(after index: UInt64, matching pattern: KeyPattern) -> [Key]? {
        indexedChanges(after: index, matching: pattern)?.map(\.key)
    }

    /// As `changes`, with each key's latest change index (ascending): a stream that sends
    /// each key with its index lets a client resume after any of them and miss nothing.
    public func indexedChanges(after index: UInt64, matching pattern: KeyPattern) -> [(index: UInt64, key: Key)]? {
        let oldest = lastIndex - UInt64(entries.count)
        guard index >= oldest else { return nil }
        var seen = Set<Key>(), changes: [(index: UInt64, key: Key)] = []
        for offset in stride(from: entries.count - 1, through: 0, by: -1) {
            let entry = entries[(start + offset) % entries.count]
            guard entry.index > index else { break }
            if pattern.matches(entry.key), seen.insert(entry.key).inserted { changes.append((entry.index, entry.key)) }
        }
        return changes.reversed()
    }
}
