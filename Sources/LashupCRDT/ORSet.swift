import LashupWire

/// An add-wins, observed-remove set (riak_dt `orswot` semantics).
///
/// Each element carries the dots of the adds that produced it. A remove deletes only the dots
/// it observed, so an add concurrent with a remove survives it; a removed element comes back
/// only through a new add. Re-adding an element replaces its observed dots with one new dot,
/// so an element costs one dot however often it is re-added.
public struct ORSet: DotStore, CustomStringConvertible {
    public private(set) var elements: DotMap<Value, DotSet>

    public init() { elements = DotMap() }
    init(elements: DotMap<Value, DotSet>) { self.elements = elements }

    /// Elements in canonical order.
    public var values: [Value] { elements.entries.keys.sorted() }
    public var count: Int { elements.count }
    public func contains(_ value: Value) -> Bool { elements[value] != nil }

    public var isEmpty: Bool { elements.isEmpty }
    public var dotCount: Int { elements.dotCount }
    public func forEachDot(_ body: (Dot) -> Void) { elements.forEachDot(body) }
    public func invariantViolations() -> [String] { elements.invariantViolations() }
    public func makeEmpty() -> ORSet { ORSet() }

    public mutating func join(_ other: ORSet, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        elements.join(other.elements, context: context, otherContext: otherContext, changes: &changes)
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) {
        elements.encode(to: &writer, replicas: replicas)
    }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        elements = try DotMap(from: &reader, replicas: replicas)
    }

    /// The delta of adding `value` as `replica`, given the full state's `context`.
    public func addDelta(_ value: Value, context: CausalContext, replica: ReplicaID) -> Causal<ORSet> {
        let dot = context.nextDot(for: replica)
        var deltaContext = elements[value]?.observedContext ?? CausalContext()
        deltaContext.insert(dot)
        return Causal(store: ORSet(elements: DotMap(key: value, value: DotSet(single: dot))), context: deltaContext)
    }

    /// The delta of removing `value`: its observed dots, and nothing else. Removing an absent
    /// element is an empty delta.
    public func removeDelta(_ value: Value) -> Causal<ORSet> {
        Causal(store: ORSet(), context: elements[value]?.observedContext ?? CausalContext())
    }

    public var description: String { "{" + values.map(\.description).joined(separator: ", ") + "}" }
}

extension Causal where Store == ORSet {
    /// An empty replicated set.
    public init() { self.init(empty: ORSet()) }

    /// Adds `value` as `replica`; returns the delta to ship.
    @discardableResult
    public mutating func add(_ value: Value, by replica: ReplicaID) -> Causal {
        apply(store.addDelta(value, context: context, replica: replica))
    }

    /// Removes `value` as observed here; returns the delta to ship.
    @discardableResult
    public mutating func remove(_ value: Value) -> Causal {
        apply(store.removeDelta(value))
    }
}
