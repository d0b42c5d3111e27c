import LashupWire

/// A causal CRDT: a dot store together with the causal context of everything it has seen.
///
/// `Causal<ORSet>`, `Causal<ORMap>`, `Causal<LWWRegister>`, `Causal<EnableWinsFlag>` and
/// `Causal<PNCounter>` are the replicated types. Every mutator returns a delta, itself a
/// `Causal` holding only what changed; `merge` joins full states and deltas alike, and joining
/// the deltas of a history gives the same state as joining the states.
public struct Causal<Store: DotStore>: Equatable, Sendable {
    public private(set) var store: Store
    public private(set) var context: CausalContext

    /// The bottom element: nothing seen.
    public init(empty store: Store) {
        precondition(store.isEmpty, "use init(store:context:) for a non-empty store")
        self.store = store
        self.context = CausalContext()
    }

    /// Pairs a store with its context; every dot of the store must be in the context.
    public init(store: Store, context: CausalContext) {
        self.store = store
        self.context = context
    }

    /// Joins `other` (a full state or a delta) into this state.
    public mutating func merge(_ other: Causal) {
        var changes = DotChanges()
        store.join(other.store, context: context, otherContext: other.context, changes: &changes)
        context.merge(other.context)
    }

    public func merged(_ other: Causal) -> Causal {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// Broken invariants, described: every held dot is in the context, the context is
    /// compacted, and the store's own invariants hold. Empty when sound.
    public func invariantViolations() -> [String] {
        var violations = store.invariantViolations()
        store.forEachDot { dot in
            if !context.contains(dot) { violations.append("dot \(dot) held but not in the causal context") }
        }
        for dot in context.cloud where dot.counter <= context.versionVector[dot.replica] + 1 {
            violations.append("cloud dot \(dot) should have been compacted into the version vector")
        }
        return violations
    }

    /// A delta that changes nothing.
    public var isEmptyDelta: Bool { store.isEmpty && context.isEmpty }

    /// The next dot `replica` would issue against this state.
    func nextDot(for replica: ReplicaID) -> Dot { context.nextDot(for: replica) }

    /// Applies a delta built from this state and returns it, so every mutator reads the same.
    mutating func apply(_ delta: Causal) -> Causal {
        merge(delta)
        return delta
    }
}

extension Causal: WireCodable {
    /// Layout: replica table (sorted names), version vector as (index, counter) pairs, dot cloud,
    /// then the store with dots as table indices.
    public func encode(to writer: inout WireWriter) {
        let table = ReplicaTable(sorted: context.replicas)
        writer.writeVarint(table.replicas.count)
        for replica in table.replicas { replica.encode(to: &writer) }
        let vector = context.versionVector.sortedEntries
        writer.writeVarint(vector.count)
        for entry in vector { table.writeDot(Dot(entry.replica, entry.counter), to: &writer) }
        writer.writeVarint(context.cloud.count)
        for dot in context.cloud.sorted() { table.writeDot(dot, to: &writer) }
        store.encode(to: &writer, replicas: table)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let replicaCount = try reader.readCount("causal.replicas", minimumElementBytes: 2)
        var replicas: [ReplicaID] = []
        replicas.reserveCapacity(replicaCount)
        for _ in 0..<replicaCount {
            let replica = try ReplicaID(from: &reader)
            if let last = replicas.last, !(last < replica) {
                throw .invalidValue(field: "causal.replicas", reason: "not in strictly increasing order")
            }
            replicas.append(replica)
        }
        let table = ReplicaTable(sorted: replicas)
        var vector = VersionVector()
        let vectorCount = try reader.readCount("causal.versionVector", minimumElementBytes: 2)
        for _ in 0..<vectorCount {
            let dot = try table.readDot(from: &reader, "causal.versionVector")
            if vector[dot.replica] != 0 {
                throw .invalidValue(field: "causal.versionVector", reason: "replica \(dot.replica) listed twice")
            }
            vector[dot.replica] = dot.counter
        }
        var context = CausalContext(versionVector: vector)
        let cloudCount = try reader.readCount("causal.cloud", minimumElementBytes: 2)
        for _ in 0..<cloudCount {
            context.insert(try table.readDot(from: &reader, "causal.cloud"))
        }
        let store = try Store(from: &reader, replicas: table)
        var uncovered: Dot?
        store.forEachDot { dot in
            if uncovered == nil && !context.contains(dot) { uncovered = dot }
        }
        if let uncovered {
            throw .invalidValue(field: "causal.store", reason: "dot \(uncovered) is not in the causal context")
        }
        self.init(store: store, context: context)
    }
}
