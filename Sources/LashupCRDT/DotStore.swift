import LashupWire

/// The dots a join removed from and added to a store; a `DotMap` uses it to keep its
/// dot → key index current without rescanning a large value.
public struct DotChanges: Sendable {
    public var removed: [Dot] = []
    public var added: [Dot] = []
    public init() {}
}

/// The payload of a causal CRDT: a structure whose contents are identified by dots.
///
/// A dot store alone is not a CRDT; paired with a `CausalContext` (see `Causal`) it becomes
/// one. The join rule is the same for every store (Almeida et al., "Delta state replicated data
/// types", 2018): keep a dot if both sides have it, or if one side has it and the other side's
/// context has never seen it. A dot the other side has seen but no longer holds was removed
/// there, and stays removed.
public protocol DotStore: Equatable, Sendable {
    /// Holds no dots. An empty store inside a map means the entry is absent.
    var isEmpty: Bool { get }
    /// Number of dots held.
    var dotCount: Int { get }
    /// Calls `body` for every dot held.
    func forEachDot(_ body: (Dot) -> Void)
    /// An empty store of the same kind (for an embedded value, of the same field type).
    func makeEmpty() -> Self
    /// Joins `other` into `self`. `context` is the context that accompanied `self`,
    /// `otherContext` the one that accompanied `other`; both are read before either is merged.
    mutating func join(_ other: Self, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges)
    /// Canonical encoding; dots are written as indices into `replicas`.
    func encode(to writer: inout WireWriter, replicas: ReplicaTable)
    init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError)
    /// Broken internal invariants, described; empty when the store is sound. Tests and the
    /// simulator call this after every step.
    func invariantViolations() -> [String]
}

extension DotStore {
    public func invariantViolations() -> [String] { [] }

    /// Every dot held, sorted.
    public var sortedDots: [Dot] {
        var dots: [Dot] = []
        dots.reserveCapacity(dotCount)
        forEachDot { dots.append($0) }
        return dots.sorted()
    }

    /// A context holding exactly this store's dots: what a remove of this value has observed.
    var observedContext: CausalContext {
        var context = CausalContext()
        forEachDot { context.insert($0) }
        return context
    }
}

/// The replicas a `Causal` encoding refers to, written once up front so that each dot costs an
/// index and a counter rather than a full replica name.
public struct ReplicaTable: Sendable {
    public let replicas: [ReplicaID]
    private let indices: [ReplicaID: Int]

    public init(sorted replicas: [ReplicaID]) {
        self.replicas = replicas
        var indices: [ReplicaID: Int] = [:]
        for (index, replica) in replicas.enumerated() { indices[replica] = index }
        self.indices = indices
    }

    public func writeDot(_ dot: Dot, to writer: inout WireWriter) {
        guard let index = indices[dot.replica] else {
            preconditionFailure("dot \(dot) is not covered by its causal context")
        }
        writer.writeVarint(index)
        writer.writeVarint(dot.counter)
    }

    public func readDot(from reader: inout WireReader, _ field: String) throws(WireError) -> Dot {
        let index = try reader.readVarint(field + ".replica")
        guard index < UInt64(replicas.count) else {
            throw .invalidValue(field: field, reason: "replica index \(index) outside a table of \(replicas.count)")
        }
        let counter = try reader.readVarint(field + ".counter")
        if counter == 0 { throw .invalidValue(field: field, reason: "dot counter 0") }
        if counter > Dot.maximumCounter {
            throw .limitExceeded(field: field + ".counter", value: counter, limit: Dot.maximumCounter)
        }
        return Dot(replicas[Int(index)], counter)
    }
}
