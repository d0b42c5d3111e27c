import LashupWire

/// How two version vectors (or the histories they summarise) relate.
public enum CausalOrder: Sendable, Equatable {
    case equal
    /// The left side has seen strictly less than the right.
    case before
    /// The left side has seen strictly more than the right.
    case after
    case concurrent
}

/// A map from replica to the highest contiguous counter seen from it. Missing replicas are 0,
/// and zero entries are never stored, so equal histories have equal (and equally encoded)
/// vectors.
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    public private(set) var counters: [ReplicaID: UInt64]

    public init() { counters = [:] }

    public init(_ counters: [ReplicaID: UInt64]) {
        self.counters = counters.filter { $0.value > 0 }
    }

    public subscript(replica: ReplicaID) -> UInt64 {
        get { counters[replica] ?? 0 }
        set { counters[replica] = newValue == 0 ? nil : newValue }
    }

    public var isEmpty: Bool { counters.isEmpty }

    /// Whether the history includes `dot`.
    public func contains(_ dot: Dot) -> Bool { dot.counter <= self[dot.replica] }

    /// Records the next event of `replica` and returns its dot.
    @discardableResult
    public mutating func increment(_ replica: ReplicaID) -> Dot {
        let next = self[replica] + 1
        self[replica] = next
        return Dot(replica, next)
    }

    /// Pointwise maximum: the least history that includes both.
    public mutating func merge(_ other: VersionVector) {
        counters.merge(other.counters, uniquingKeysWith: max)
    }

    public func merged(_ other: VersionVector) -> VersionVector {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// Compares two histories in the causal partial order.
    public func compare(to other: VersionVector) -> CausalOrder {
        var someGreater = false
        var someLess = false
        for (replica, counter) in counters {
            let theirs = other[replica]
            if counter > theirs { someGreater = true } else if counter < theirs { someLess = true }
        }
        for (replica, counter) in other.counters where counters[replica] == nil && counter > 0 {
            someLess = true
        }
        switch (someGreater, someLess) {
        case (false, false): return .equal
        case (true, false): return .after
        case (false, true): return .before
        case (true, true): return .concurrent
        }
    }

    /// Whether this history includes every event of `other`.
    public func dominates(_ other: VersionVector) -> Bool {
        let order = compare(to: other)
        return order == .equal || order == .after
    }

    /// Entries sorted by replica: the canonical order for encoding and printing.
    public var sortedEntries: [(replica: ReplicaID, counter: UInt64)] {
        counters.sorted { $0.key < $1.key }.map { (replica: $0.key, counter: $0.value) }
    }

    public var description: String {
        "[" + sortedEntries.map { "\($0.replica):\($0.counter)" }.joined(separator: ", ") + "]"
    }
}

extension VersionVector: WireCodable {
    public func encode(to writer: inout WireWriter) {
        let entries = sortedEntries
        writer.writeVarint(entries.count)
        for entry in entries {
            entry.replica.encode(to: &writer)
            writer.writeVarint(entry.counter)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let count = try reader.readCount("versionVector.count", minimumElementBytes: 3)
        var counters: [ReplicaID: UInt64] = [:]
        counters.reserveCapacity(count)
        var previous: ReplicaID?
        for _ in 0..<count {
            let replica = try ReplicaID(from: &reader)
            let counter = try reader.readVarint("versionVector.counter")
            if let previous, !(previous < replica) {
                throw .invalidValue(field: "versionVector", reason: "replicas not in strictly increasing order")
            }
            if counter == 0 { throw .invalidValue(field: "versionVector.counter", reason: "zero entries are never encoded") }
            if counter > Dot.maximumCounter {
                throw .limitExceeded(field: "versionVector.counter", value: counter, limit: Dot.maximumCounter)
            }
            counters[replica] = counter
            previous = replica
        }
        self.init(counters)
    }
}
