import LashupWire

/// One write to an LWW register: the writer's timestamp and the value.
public struct LWWEntry: Equatable, Sendable, WireCodable {
    public var timestamp: UInt64
    public var value: Value

    public init(timestamp: UInt64, value: Value) {
        self.timestamp = timestamp
        self.value = value
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeVarint(timestamp)
        value.encode(to: &writer)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        timestamp = try reader.readVarint("lww.timestamp")
        value = try reader.nested("lww.value") { (reader) throws(WireError) in try Value(from: &reader) }
    }
}

/// A last-writer-wins register: the higher timestamp wins; equal timestamps are broken by the
/// value's canonical order, then by the writer's replica id, so every replica picks the same
/// winner.
///
/// Stored as a dot function so that it can be removed from a map (observed-remove) like every
/// other field: a write supersedes the writes it observed, and concurrent writes coexist until
/// one is observed by a later write; reads return the winner. A write that would lose to the
/// current winner is a no-op (empty delta), which keeps "higher timestamp wins" exact.
public struct LWWRegister: DotStore, CustomStringConvertible {
    public private(set) var entries: DotFunction<LWWEntry>

    public init() { entries = DotFunction() }
    init(entries: DotFunction<LWWEntry>) { self.entries = entries }

    /// The winning write, with its writer.
    public var winner: (entry: LWWEntry, writer: ReplicaID)? {
        var best: (entry: LWWEntry, writer: ReplicaID)?
        for (dot, entry) in entries.entries {
            if let current = best,
               !LWWRegister.beats(entry, dot.replica, current.entry, current.writer) { continue }
            best = (entry, dot.replica)
        }
        return best
    }

    /// The current value, `nil` if never written (or removed).
    public var value: Value? { winner?.entry.value }
    public var timestamp: UInt64? { winner?.entry.timestamp }

    static func beats(_ entry: LWWEntry, _ writer: ReplicaID, _ other: LWWEntry, _ otherWriter: ReplicaID) -> Bool {
        (entry.timestamp, entry.value, writer) > (other.timestamp, other.value, otherWriter)
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var dotCount: Int { entries.dotCount }
    public func forEachDot(_ body: (Dot) -> Void) { entries.forEachDot(body) }
    public func makeEmpty() -> LWWRegister { LWWRegister() }

    public mutating func join(_ other: LWWRegister, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        entries.join(other.entries, context: context, otherContext: otherContext, changes: &changes)
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) { entries.encode(to: &writer, replicas: replicas) }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        entries = try DotFunction(from: &reader, replicas: replicas)
    }

    /// The delta of writing `value` at `timestamp` as `replica`; empty if the write would lose.
    public func assignDelta(_ value: Value, timestamp: UInt64, context: CausalContext, replica: ReplicaID) -> Causal<LWWRegister> {
        let entry = LWWEntry(timestamp: timestamp, value: value)
        if let current = winner, !LWWRegister.beats(entry, replica, current.entry, current.writer) {
            return Causal(empty: LWWRegister())
        }
        let dot = context.nextDot(for: replica)
        var deltaContext = observedContext
        deltaContext.insert(dot)
        return Causal(store: LWWRegister(entries: DotFunction([dot: entry])), context: deltaContext)
    }

    public var description: String { value?.description ?? "nil" }
}

extension Causal where Store == LWWRegister {
    public init() { self.init(empty: LWWRegister()) }

    @discardableResult
    public mutating func assign(_ value: Value, timestamp: UInt64, by replica: ReplicaID) -> Causal {
        apply(store.assignDelta(value, timestamp: timestamp, context: context, replica: replica))
    }
}
