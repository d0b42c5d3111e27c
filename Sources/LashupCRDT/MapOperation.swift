/// An update to one field of a map. The field's type follows from the operation, so an
/// operation can never be applied to a field of the wrong type.
public enum FieldOperation: Sendable, Equatable {
    /// Register: write `value` at `timestamp` (the writer's clock, e.g. nanoseconds).
    case assign(Value, timestamp: UInt64)
    /// Set: add an element.
    case add(Value)
    /// Set: remove an element as observed; absent elements are ignored.
    case remove(Value)
    /// Flag: enable.
    case enable
    /// Flag: disable as observed.
    case disable
    /// Counter: add `amount` (negative to decrement).
    case increment(Int64)
    /// Nested map: apply these operations to the embedded map, in order.
    case update([MapOperation])

    /// The type of field this operation applies to.
    public var fieldType: FieldType {
        switch self {
        case .assign: .register
        case .add, .remove: .set
        case .enable, .disable: .flag
        case .increment: .counter
        case .update: .map
        }
    }
}

/// One step of an atomic map update.
public enum MapOperation: Sendable, Equatable {
    /// Update the field named `name` whose type is the operation's type, creating it if absent.
    case update(Value, FieldOperation)
    /// Remove a field as observed: its observed contents go; concurrent updates survive.
    /// Removing an absent field is not an error.
    case remove(FieldKey)
}

/// A map operation flattened to one path: the names of the nested maps to descend through,
/// then a leaf operation that is not a nested update. Applying a batch as a sequence of
/// flat operations lets each step read the state left by the previous one without copying
/// nested maps.
struct FlatMapOperation: Sendable {
    var path: [Value]
    var leaf: MapOperation

    static func flatten(_ operations: [MapOperation], prefix: [Value] = []) -> [FlatMapOperation] {
        var result: [FlatMapOperation] = []
        for operation in operations {
            if case let .update(name, .update(inner)) = operation {
                result += flatten(inner, prefix: prefix + [name])
            } else {
                result.append(FlatMapOperation(path: prefix, leaf: operation))
            }
        }
        return result
    }
}
