import LashupWire

/// The CRDT kind a map field holds. A field is named by `(name, type)`, so the same name may
/// hold, say, a register and a set side by side, exactly as in riak_dt maps.
public enum FieldType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case register = 1
    case set = 2
    case flag = 3
    case counter = 4
    case map = 5

    public var description: String {
        switch self {
        case .register: "register"
        case .set: "set"
        case .flag: "flag"
        case .counter: "counter"
        case .map: "map"
        }
    }
}

/// A map field's identity: name and CRDT type.
public struct FieldKey: DotMapKey, CustomStringConvertible {
    public var name: Value
    public var type: FieldType

    public init(_ name: Value, _ type: FieldType) {
        self.name = name
        self.type = type
    }

    public static func < (lhs: FieldKey, rhs: FieldKey) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.type.rawValue < rhs.type.rawValue
    }

    public var description: String { "\(name):\(type)" }

    public func encode(to writer: inout WireWriter) {
        name.encode(to: &writer)
        writer.writeUInt8(type.rawValue)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        name = try Value(from: &reader)
        let raw = try reader.readUInt8("field.type")
        guard let type = FieldType(rawValue: raw) else { throw .unknownTag(field: "field.type", tag: UInt64(raw)) }
        self.type = type
    }
}
