import LashupCRDT
import LashupStore

/// How store values and update documents look in JSON.
///
/// A value is an object with one entry per field: sets as arrays, counters as numbers, flags
/// as booleans, registers as strings or numbers, maps as objects. A field name held by fields
/// of two types is written `name:type` for all but the first type.
///
/// An update is `{"operations": [...]}` (or the bare array), each operation one of:
/// `{"op":"set","field":F,"value":V}`, `{"op":"add"|"remove","field":F,"value":V}`,
/// `{"op":"incr","field":F,"by":N}`, `{"op":"enable"|"disable","field":F}`,
/// `{"op":"remove_field","field":F[,"type":T]}` (without a type: every field of that name) and `{"op":"update","field":F,"operations":[...]}`
/// for a nested map. Values are strings, integers or booleans. Operations are data, never code.
public enum StoreJSON {
    /// Most operations in one request, nested ones included.
    public static let maximumOperations = 1_000

    public static func json(_ map: ORMap) -> JSONValue { json(map.snapshot) }

    static func json(_ fields: [FieldKey: FieldValue]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for key in fields.keys.sorted() {
            var name = fieldName(key.name)
            if object[name] != nil { name += ":\(key.type)" }
            object[name] = json(fields[key]!)
        }
        return .object(object)
    }

    static func json(_ value: FieldValue) -> JSONValue {
        switch value {
        case let .register(value): value.map(json) ?? .null
        case let .set(values): .array(values.map(json))
        case let .flag(enabled): .bool(enabled)
        case let .counter(total): .integer(total)
        case let .map(fields): json(fields)
        }
    }

    public static func json(_ value: Value) -> JSONValue {
        switch value {
        case let .string(text): .string(text)
        case let .integer(number): .integer(number)
        case let .boolean(flag): .bool(flag)
        case let .ipAddress(address): .string(address.description)
        case let .tuple(values): .array(values.map(json))
        case .bytes: .string(value.description)
        }
    }

    static func fieldName(_ value: Value) -> String {
        if case let .string(text) = value { text } else { value.description }
    }

    /// Parses an update document. `timestamp` stamps register writes (the writer's clock).
    public static func operations(_ document: JSONValue, timestamp: UInt64) throws(APIError) -> [MapOperation] {
        var budget = maximumOperations
        if case .array = document { return try operations(list: document, timestamp: timestamp, budget: &budget, path: "operations") }
        guard case let .object(fields) = document, let list = fields["operations"] else {
            throw .badRequest("expected {\"operations\": [...]} or a JSON array of operations")
        }
        return try operations(list: list, timestamp: timestamp, budget: &budget, path: "operations")
    }

    static func operations(list: JSONValue, timestamp: UInt64, budget: inout Int, path: String) throws(APIError) -> [MapOperation] {
        guard case let .array(items) = list else { throw .badRequest("\(path) must be an array") }
        guard !items.isEmpty else { throw .badRequest("\(path) is empty: nothing to do") }
        var result: [MapOperation] = []
        for (index, item) in items.enumerated() {
            budget -= 1
            guard budget >= 0 else { throw .badRequest("more than \(maximumOperations) operations in one request") }
            result += try operation(item, timestamp: timestamp, budget: &budget, path: "\(path)[\(index)]")
        }
        return result
    }

    static func operation(_ item: JSONValue, timestamp: UInt64, budget: inout Int, path: String) throws(APIError) -> [MapOperation] {
        guard case let .object(fields) = item else { throw .badRequest("\(path) must be an object") }
        guard case let .string(op)? = fields["op"] else { throw .badRequest("\(path).op is missing or not a string") }
        guard case let .string(field)? = fields["field"], !field.isEmpty else {
            throw .badRequest("\(path).field is missing or not a non-empty string")
        }
        let name = Value.string(field)
        func value() throws(APIError) -> Value {
            switch fields["value"] {
            case let .string(text)?: return .string(text)
            case let .integer(number)?: return .integer(number)
            case let .bool(flag)?: return .boolean(flag)
            case nil: throw .badRequest("\(path).value is missing")
            default: throw .badRequest("\(path).value must be a string, an integer or a boolean")
            }
        }
        switch op {
        case "set", "assign": return [.update(name, .assign(try value(), timestamp: timestamp))]
        case "add": return [.update(name, .add(try value()))]
        case "remove": return [.update(name, .remove(try value()))]
        case "incr", "increment":
            switch fields["by"] {
            case nil: return [.update(name, .increment(1))]
            case let .integer(amount)?: return [.update(name, .increment(amount))]
            default: throw .badRequest("\(path).by must be an integer")
            }
        case "enable": return [.update(name, .enable)]
        case "disable": return [.update(name, .disable)]
        case "remove_field":
            switch fields["type"] {
            case nil:
                // No type: the field of that name, whatever its type (absent ones are no-ops).
                return FieldType.allCases.map { .remove(FieldKey(name, $0)) }
            case let .string(text)?:
                guard let type = FieldType.allCases.first(where: { $0.description == text }) else {
                    throw .badRequest("\(path).type \"\(text)\" is not one of \(FieldType.allCases.map(\.description).joined(separator: ", "))")
                }
                return [.remove(FieldKey(name, type))]
            default: throw .badRequest("\(path).type must be a string")
            }
        case "update":
            guard let nested = fields["operations"] else { throw .badRequest("\(path).operations is missing") }
            return [.update(name, .update(try operations(list: nested, timestamp: timestamp, budget: &budget, path: "\(path).operations")))]
        default:
            throw .badRequest("\(path).op \"\(op)\" is not one of set, add, remove, incr, enable, disable, remove_field, update")
        }
    }
}
