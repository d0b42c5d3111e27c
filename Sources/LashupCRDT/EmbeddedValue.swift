import LashupWire

/// The CRDT held by one map field.
public enum EmbeddedValue: DotStore {
    case register(LWWRegister)
    case set(ORSet)
    case flag(EnableWinsFlag)
    case counter(PNCounter)
    case map(ORMap)

    /// An empty value of the given type.
    public static func empty(_ type: FieldType) -> EmbeddedValue {
        switch type {
        case .register: .register(LWWRegister())
        case .set: .set(ORSet())
        case .flag: .flag(EnableWinsFlag())
        case .counter: .counter(PNCounter())
        case .map: .map(ORMap())
        }
    }

    public var type: FieldType {
        switch self {
        case .register: .register
        case .set: .set
        case .flag: .flag
        case .counter: .counter
        case .map: .map
        }
    }

    private var store: any DotStore {
        switch self {
        case let .register(value): value
        case let .set(value): value
        case let .flag(value): value
        case let .counter(value): value
        case let .map(value): value
        }
    }

    public var isEmpty: Bool { store.isEmpty }
    public var dotCount: Int { store.dotCount }
    public func forEachDot(_ body: (Dot) -> Void) { store.forEachDot(body) }
    public func makeEmpty() -> EmbeddedValue { .empty(type) }
    public func invariantViolations() -> [String] { store.invariantViolations() }

    public mutating func join(_ other: EmbeddedValue, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        // Each case moves the payload out of `self` before mutating it, so a large nested set
        // or map is joined in place rather than copied on write. The switch is on `self`
        // alone: switching on a `(self, other)` tuple kept a second reference to the payload
        // alive for the whole case, and every join copied the set (O(n) per write).
        switch self {
        case var .register(mine):
            guard case let .register(theirs) = other else { return }
            self = .placeholder
            mine.join(theirs, context: context, otherContext: otherContext, changes: &changes)
            self = .register(mine)
        case var .set(mine):
            guard case let .set(theirs) = other else { return }
            self = .placeholder
            mine.join(theirs, context: context, otherContext: otherContext, changes: &changes)
            self = .set(mine)
        case var .flag(mine):
            guard case let .flag(theirs) = other else { return }
            self = .placeholder
            mine.join(theirs, context: context, otherContext: otherContext, changes: &changes)
            self = .flag(mine)
        case var .counter(mine):
            guard case let .counter(theirs) = other else { return }
            self = .placeholder
            mine.join(theirs, context: context, otherContext: otherContext, changes: &changes)
            self = .counter(mine)
        case var .map(mine):
            guard case let .map(theirs) = other else { return }
            self = .placeholder
            mine.join(theirs, context: context, otherContext: otherContext, changes: &changes)
            self = .map(mine)
        }
        // A type mismatch returns early above: field keys carry the type and decoding checks
        // it, so it cannot arise from valid states; if it ever did, the local value is kept.
    }

    /// A value holding no heap storage, parked in `self` while a payload is mutated.
    private static let placeholder = EmbeddedValue.flag(EnableWinsFlag())

    /// The delta of a leaf operation (anything but a nested update) on this value.
    func leafDelta(_ operation: FieldOperation, context: CausalContext, replica: ReplicaID) -> Causal<EmbeddedValue> {
        switch (self, operation) {
        case let (.register(register), .assign(value, timestamp)):
            return register.assignDelta(value, timestamp: timestamp, context: context, replica: replica).wrapped(EmbeddedValue.register)
        case let (.set(set), .add(value)):
            return set.addDelta(value, context: context, replica: replica).wrapped(EmbeddedValue.set)
        case let (.set(set), .remove(value)):
            return set.removeDelta(value).wrapped(EmbeddedValue.set)
        case let (.flag(flag), .enable):
            return flag.enableDelta(context: context, replica: replica).wrapped(EmbeddedValue.flag)
        case let (.flag(flag), .disable):
            return flag.disableDelta().wrapped(EmbeddedValue.flag)
        case let (.counter(counter), .increment(amount)):
            return counter.incrementDelta(by: amount, context: context, replica: replica).wrapped(EmbeddedValue.counter)
        default:
            return Causal(empty: makeEmpty())
        }
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) {
        writer.writeUInt8(type.rawValue)
        switch self {
        case let .register(value): value.encode(to: &writer, replicas: replicas)
        case let .set(value): value.encode(to: &writer, replicas: replicas)
        case let .flag(value): value.encode(to: &writer, replicas: replicas)
        case let .counter(value): value.encode(to: &writer, replicas: replicas)
        case let .map(value): value.encode(to: &writer, replicas: replicas)
        }
    }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        let raw = try reader.readUInt8("embedded.type")
        switch FieldType(rawValue: raw) {
        case .register: self = .register(try LWWRegister(from: &reader, replicas: replicas))
        case .set: self = .set(try ORSet(from: &reader, replicas: replicas))
        case .flag: self = .flag(try EnableWinsFlag(from: &reader, replicas: replicas))
        case .counter: self = .counter(try PNCounter(from: &reader, replicas: replicas))
        case .map: self = .map(try ORMap(from: &reader, replicas: replicas))
        case nil: throw .unknownTag(field: "embedded.type", tag: UInt64(raw))
        }
    }
}

extension Causal {
    /// The same delta with its store wrapped into another store type.
    func wrapped<Outer: DotStore>(_ wrap: (Store) -> Outer) -> Causal<Outer> {
        Causal<Outer>(store: wrap(store), context: context)
    }
}
