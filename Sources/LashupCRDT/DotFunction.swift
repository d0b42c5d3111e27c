import LashupWire

/// A map from dot to value: the store of registers and counters, where each write carries its
/// payload under a fresh dot and supersedes the dots it observed.
public struct DotFunction<Value: Equatable & Sendable & WireCodable>: DotStore {
    public private(set) var entries: [Dot: Value]

    public init(_ entries: [Dot: Value] = [:]) { self.entries = entries }

    public var isEmpty: Bool { entries.isEmpty }
    public var dotCount: Int { entries.count }
    public func forEachDot(_ body: (Dot) -> Void) { entries.keys.forEach(body) }
    public func makeEmpty() -> DotFunction { DotFunction() }

    public mutating func join(_ other: DotFunction, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        for dot in entries.keys where other.entries[dot] == nil && otherContext.contains(dot) {
            entries[dot] = nil
            changes.removed.append(dot)
        }
        for (dot, value) in other.entries where entries[dot] == nil && !context.contains(dot) {
            entries[dot] = value
            changes.added.append(dot)
        }
    }

    /// Keeps, per replica, only the entry with the highest dot, reporting the others removed.
    /// For stores whose entries are cumulative per replica (counter totals), where a later
    /// entry subsumes every earlier one.
    mutating func keepLatestPerReplica(changes: inout DotChanges) {
        var latest: [ReplicaID: Dot] = [:]
        for dot in entries.keys where dot.counter > latest[dot.replica]?.counter ?? 0 {
            latest[dot.replica] = dot
        }
        guard latest.count < entries.count else { return }
        var dropped: Set<Dot> = []
        for dot in Array(entries.keys) where latest[dot.replica] != dot {
            entries[dot] = nil
            dropped.insert(dot)
        }
        // A dot added by this very join and dropped again is no change at all.
        let justAdded = Set(changes.added).intersection(dropped)
        if !justAdded.isEmpty {
            changes.added.removeAll { justAdded.contains($0) }
            dropped.subtract(justAdded)
        }
        changes.removed.append(contentsOf: dropped.sorted())
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) {
        writer.writeVarint(entries.count)
        for (dot, value) in entries.sorted(by: { $0.key < $1.key }) {
            replicas.writeDot(dot, to: &writer)
            value.encode(to: &writer)
        }
    }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        let count = try reader.readCount("dotFunction.count", minimumElementBytes: 3)
        var entries: [Dot: Value] = [:]
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let dot = try replicas.readDot(from: &reader, "dotFunction.dot")
            let value = try Value(from: &reader)
            if entries.updateValue(value, forKey: dot) != nil {
                throw .invalidValue(field: "dotFunction", reason: "duplicate dot \(dot)")
            }
        }
        self.entries = entries
    }
}
