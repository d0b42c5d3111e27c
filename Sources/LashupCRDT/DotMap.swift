import LashupWire

/// A key usable in a `DotMap`: hashable, totally ordered (for canonical encoding) and encodable.
public protocol DotMapKey: Hashable, Comparable, Sendable, WireCodable {}

/// A map from key to an embedded dot store: the store of an OR-set (element → dots) and of an
/// OR-map (field → embedded CRDT). An entry exists exactly while its value holds a dot.
///
/// The map keeps an index from every dot to the key that holds it. Joining a small delta then
/// costs time proportional to the delta: only keys the delta names, or whose dots the delta's
/// context covers, can change. Without the index every join would scan the whole map, and one
/// add to a 10 000-element set would cost as much as merging two such sets.
public struct DotMap<Key: DotMapKey, Value: DotStore>: DotStore {
    public private(set) var entries: [Key: Value]
    private var index: [Dot: Key]

    public init() {
        entries = [:]
        index = [:]
    }

    /// A map of one entry, as mutators build for deltas; an empty value gives an empty map.
    init(key: Key, value: Value) {
        self.init()
        guard !value.isEmpty else { return }
        entries[key] = value
        value.forEachDot { index[$0] = key }
    }

    public subscript(key: Key) -> Value? { entries[key] }

    public var isEmpty: Bool { entries.isEmpty }
    public var dotCount: Int { index.count }
    public var count: Int { entries.count }
    public func forEachDot(_ body: (Dot) -> Void) { index.keys.forEach(body) }
    public func makeEmpty() -> DotMap { DotMap() }

    /// The key holding `dot`, if any.
    public func key(holding dot: Dot) -> Key? { index[dot] }

    public static func == (lhs: DotMap, rhs: DotMap) -> Bool { lhs.entries == rhs.entries }

    /// Entries are non-empty, every dot belongs to exactly one entry, and the index agrees.
    public func invariantViolations() -> [String] {
        var violations: [String] = []
        var indexed = 0
        for (key, value) in entries {
            if value.isEmpty { violations.append("entry \(key) holds no dots") }
            value.forEachDot { dot in
                indexed += 1
                if index[dot] != key { violations.append("dot \(dot) of \(key) indexed under \(String(describing: index[dot]))") }
            }
            violations += value.invariantViolations()
        }
        if indexed != index.count { violations.append("index holds \(index.count) dots, entries \(indexed)") }
        return violations
    }

    public mutating func join(_ other: DotMap, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        var candidates = Set(other.entries.keys)
        let budget = max(entries.count, 16)
        if otherContext.coveredDotCount(limit: budget) <= budget {
            otherContext.forEachCoveredDot { dot in
                if let key = index[dot] { candidates.insert(key) }
            }
        } else {
            candidates.formUnion(entries.keys)
        }
        for key in candidates {
            let theirs = other.entries[key]
            // Taken out of the dictionary so the join mutates a uniquely referenced value
            // instead of copying a large nested set on write.
            guard var value = entries.removeValue(forKey: key) ?? theirs?.makeEmpty() else { continue }
            var local = DotChanges()
            value.join(theirs ?? value.makeEmpty(), context: context, otherContext: otherContext, changes: &local)
            for dot in local.removed { index[dot] = nil }
            for dot in local.added { index[dot] = key }
            changes.removed.append(contentsOf: local.removed)
            changes.added.append(contentsOf: local.added)
            if !value.isEmpty { entries[key] = value }
        }
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) {
        writer.writeVarint(entries.count)
        for key in entries.keys.sorted() {
            key.encode(to: &writer)
            entries[key]!.encode(to: &writer, replicas: replicas)
        }
    }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        self.init()
        let count = try reader.readCount("dotMap.count", minimumElementBytes: 2)
        entries.reserveCapacity(count)
        var previous: Key?
        for _ in 0..<count {
            let key = try reader.nested("dotMap.key") { (reader) throws(WireError) in try Key(from: &reader) }
            if let previous, !(previous < key) {
                throw .invalidValue(field: "dotMap", reason: "keys not in strictly increasing order")
            }
            let value = try reader.nested("dotMap.value") { (reader) throws(WireError) in
                try Value(from: &reader, replicas: replicas)
            }
            if value.isEmpty { throw .invalidValue(field: "dotMap", reason: "entry with no dots") }
            try insertNew(key, value)
            previous = key
        }
    }

    private mutating func insertNew(_ key: Key, _ value: Value) throws(WireError) {
        var duplicate: Dot?
        value.forEachDot { dot in
            if index.updateValue(key, forKey: dot) != nil { duplicate = dot }
        }
        if let duplicate {
            throw .invalidValue(field: "dotMap", reason: "dot \(duplicate) appears under two keys")
        }
        entries[key] = value
    }
}
