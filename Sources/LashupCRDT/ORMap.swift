import LashupWire

/// An observed-remove map of `(name, type)` fields to embedded CRDTs (riak_dt_map semantics).
///
/// All fields share the map's causal context. Removing a field removes the dots it observed
/// in that field; an update concurrent with the remove adds dots the remover never saw, so the
/// update survives (update wins). A field exists exactly while its value holds a dot.
public struct ORMap: DotStore, CustomStringConvertible {
    public private(set) var fields: DotMap<FieldKey, EmbeddedValue>

    public init() { fields = DotMap() }
    init(fields: DotMap<FieldKey, EmbeddedValue>) { self.fields = fields }

    public subscript(name: Value, type: FieldType) -> EmbeddedValue? { fields[FieldKey(name, type)] }

    /// Field keys in canonical order.
    public var keys: [FieldKey] { fields.entries.keys.sorted() }
    public var count: Int { fields.count }

    public func register(_ name: Value) -> Value? {
        if case let .register(register)? = self[name, .register] { register.value } else { nil }
    }

    public func set(_ name: Value) -> [Value] {
        if case let .set(set)? = self[name, .set] { set.values } else { [] }
    }

    public func flag(_ name: Value) -> Bool {
        if case let .flag(flag)? = self[name, .flag] { flag.isEnabled } else { false }
    }

    public func counter(_ name: Value) -> Int64 {
        if case let .counter(counter)? = self[name, .counter] { counter.value } else { 0 }
    }

    public func map(_ name: Value) -> ORMap? {
        if case let .map(map)? = self[name, .map] { map } else { nil }
    }

    /// The map's plain contents, for display and comparison.
    public var snapshot: [FieldKey: FieldValue] {
        var result: [FieldKey: FieldValue] = [:]
        for (key, value) in fields.entries { result[key] = FieldValue(value) }
        return result
    }

    public var isEmpty: Bool { fields.isEmpty }
    public var dotCount: Int { fields.dotCount }
    public func forEachDot(_ body: (Dot) -> Void) { fields.forEachDot(body) }
    public func invariantViolations() -> [String] { fields.invariantViolations() }
    public func makeEmpty() -> ORMap { ORMap() }

    public mutating func join(_ other: ORMap, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        fields.join(other.fields, context: context, otherContext: otherContext, changes: &changes)
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) {
        fields.encode(to: &writer, replicas: replicas)
    }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        fields = try DotMap(from: &reader, replicas: replicas)
        for (key, value) in fields.entries where key.type != value.type {
            throw .invalidValue(field: "map.field", reason: "field \(key) holds a \(value.type)")
        }
    }

    /// The delta of one flattened operation, descending `path` from `depth`.
    func delta(for operation: FlatMapOperation, depth: Int, context: CausalContext, replica: ReplicaID) -> Causal<ORMap> {
        if depth < operation.path.count {
            let key = FieldKey(operation.path[depth], .map)
            let nested = map(operation.path[depth]) ?? ORMap()
            let inner = nested.delta(for: operation, depth: depth + 1, context: context, replica: replica)
            return Causal(store: ORMap(fields: DotMap(key: key, value: .map(inner.store))), context: inner.context)
        }
        switch operation.leaf {
        case let .remove(key):
            return Causal(store: ORMap(), context: fields[key]?.observedContext ?? CausalContext())
        case let .update(name, fieldOperation):
            let key = FieldKey(name, fieldOperation.fieldType)
            let current = fields[key] ?? .empty(key.type)
            let inner = current.leafDelta(fieldOperation, context: context, replica: replica)
            return Causal(store: ORMap(fields: DotMap(key: key, value: inner.store)), context: inner.context)
        }
    }

    public var description: String {
        "{" + keys.map { "\($0): \(fields[$0]!.plainDescription)" }.joined(separator: ", ") + "}"
    }
}

extension Causal where Store == ORMap {
    public init() { self.init(empty: ORMap()) }

    /// Applies `operations` atomically and in order as `replica`; each sees the effect of the
    /// ones before it. Returns the single delta to ship, the join of each step's delta.
    @discardableResult
    public mutating func apply(_ operations: [MapOperation], by replica: ReplicaID) -> Causal {
        var total = Causal()
        for operation in FlatMapOperation.flatten(operations) {
            let step = store.delta(for: operation, depth: 0, context: context, replica: replica)
            merge(step)
            total.merge(step)
        }
        return total
    }
}

/// A field's plain value, as a reader sees it.
public indirect enum FieldValue: Equatable, Sendable {
    case register(Value?)
    case set([Value])
    case flag(Bool)
    case counter(Int64)
    case map([FieldKey: FieldValue])

    public init(_ value: EmbeddedValue) {
        switch value {
        case let .register(register): self = .register(register.value)
        case let .set(set): self = .set(set.values)
        case let .flag(flag): self = .flag(flag.isEnabled)
        case let .counter(counter): self = .counter(counter.value)
        case let .map(map): self = .map(map.snapshot)
        }
    }
}

extension EmbeddedValue {
    var plainDescription: String {
        switch self {
        case let .register(value): value.description
        case let .set(value): value.description
        case let .flag(value): value.description
        case let .counter(value): value.description
        case let .map(value): value.description
        }
    }
}
