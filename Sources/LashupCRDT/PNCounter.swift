import LashupWire

/// One replica's running totals in a counter.
public struct CounterEntry: Equatable, Sendable, WireCodable {
    public var increments: UInt64
    public var decrements: UInt64

    public init(increments: UInt64, decrements: UInt64) {
        self.increments = increments
        self.decrements = decrements
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeVarint(increments)
        writer.writeVarint(decrements)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        increments = try reader.readVarint("counter.increments")
        decrements = try reader.readVarint("counter.decrements")
    }
}

/// A positive-negative counter that can live in a map (riak_dt `emcntr` semantics).
///
/// Each replica keeps one dot holding its running totals; an increment replaces that dot with
/// a new one carrying the new totals, and a join keeps only each replica's highest dot (found
/// by the store-model property test: out-of-order deltas used to double-count). Removing the counter from a map removes the observed
/// dots, resetting it; an increment concurrent with the remove keeps its replica's totals
/// (update wins over remove). Totals saturate at 2^64 − 1 rather than trap.
public struct PNCounter: DotStore, CustomStringConvertible {
    public private(set) var entries: DotFunction<CounterEntry>

    public init() { entries = DotFunction() }
    init(entries: DotFunction<CounterEntry>) { self.entries = entries }

    /// Increments minus decrements over all replicas, clamped to `Int64`.
    public var value: Int64 {
        var total: Int128 = 0
        for entry in entries.entries.values {
            total += Int128(entry.increments) - Int128(entry.decrements)
        }
        return Int64(clamping: total)
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var dotCount: Int { entries.dotCount }
    public func forEachDot(_ body: (Dot) -> Void) { entries.forEachDot(body) }
    public func makeEmpty() -> PNCounter { PNCounter() }

    public mutating func join(_ other: PNCounter, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        entries.join(other.entries, context: context, otherContext: otherContext, changes: &changes)
        // An increment's delta names only the dot it replaces, so a replica that receives a
        // writer's deltas out of order (or the newest from one peer and an older one from
        // another) would otherwise hold two entries of that writer and count its earlier
        // increments twice. Totals are cumulative, so the highest dot subsumes the rest.
        entries.keepLatestPerReplica(changes: &changes)
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) { entries.encode(to: &writer, replicas: replicas) }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        entries = try DotFunction(from: &reader, replicas: replicas)
        // A replica's entry holds its running totals, so a state never has two for one replica
        // (a join keeps the highest). Accepting two would count one replica twice until the
        // next join (found by fuzzing).
        let writers = Set(entries.entries.keys.map(\.replica))
        guard writers.count == entries.entries.count else {
            throw .invalidValue(field: "counter", reason: "several entries for one replica")
        }
    }

    /// The delta of adding `amount` (negative to decrement) as `replica`.
    public func incrementDelta(by amount: Int64, context: CausalContext, replica: ReplicaID) -> Causal<PNCounter> {
        var totals = CounterEntry(increments: 0, decrements: 0)
        var deltaContext = CausalContext()
        for (dot, entry) in entries.entries where dot.replica == replica {
            totals.increments = totals.increments.addingSaturating(entry.increments)
            totals.decrements = totals.decrements.addingSaturating(entry.decrements)
            deltaContext.insert(dot)
        }
        if amount >= 0 {
            totals.increments = totals.increments.addingSaturating(UInt64(amount))
        } else {
            totals.decrements = totals.decrements.addingSaturating(amount.magnitude)
        }
        let dot = context.nextDot(for: replica)
        deltaContext.insert(dot)
        return Causal(store: PNCounter(entries: DotFunction([dot: totals])), context: deltaContext)
    }

    public var description: String { "\(value)" }
}

extension Causal where Store == PNCounter {
    public init() { self.init(empty: PNCounter()) }

    @discardableResult
    public mutating func increment(by amount: Int64 = 1, by replica: ReplicaID) -> Causal {
        apply(store.incrementDelta(by: amount, context: context, replica: replica))
    }
}

extension UInt64 {
    func addingSaturating(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
