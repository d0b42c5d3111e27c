import LashupWire

/// A boolean where a concurrent enable beats a disable (riak_dt `od_flag`).
/// Enabled exactly while it holds a dot; disabling removes the observed dots.
public struct EnableWinsFlag: DotStore, CustomStringConvertible {
    public private(set) var dots: DotSet

    public init() { dots = DotSet() }
    init(dots: DotSet) { self.dots = dots }

    public var isEnabled: Bool { !dots.isEmpty }

    public var isEmpty: Bool { dots.isEmpty }
    public var dotCount: Int { dots.dotCount }
    public func forEachDot(_ body: (Dot) -> Void) { dots.forEachDot(body) }
    public func makeEmpty() -> EnableWinsFlag { EnableWinsFlag() }

    public mutating func join(_ other: EnableWinsFlag, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        dots.join(other.dots, context: context, otherContext: otherContext, changes: &changes)
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) { dots.encode(to: &writer, replicas: replicas) }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        dots = try DotSet(from: &reader, replicas: replicas)
    }

    public func enableDelta(context: CausalContext, replica: ReplicaID) -> Causal<EnableWinsFlag> {
        let dot = context.nextDot(for: replica)
        var deltaContext = observedContext
        deltaContext.insert(dot)
        return Causal(store: EnableWinsFlag(dots: DotSet(single: dot)), context: deltaContext)
    }

    public func disableDelta() -> Causal<EnableWinsFlag> {
        Causal(store: EnableWinsFlag(), context: observedContext)
    }

    public var description: String { isEnabled ? "enabled" : "disabled" }
}

extension Causal where Store == EnableWinsFlag {
    public init() { self.init(empty: EnableWinsFlag()) }

    @discardableResult
    public mutating func enable(by replica: ReplicaID) -> Causal { apply(store.enableDelta(context: context, replica: replica)) }

    @discardableResult
    public mutating func disable() -> Causal { apply(store.disableDelta()) }
}
