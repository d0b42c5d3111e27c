import LashupWire

/// A typed value held by registers and sets, and used as a field name in maps.
///
/// Values have one canonical encoding and a total order (by kind, then content; strings by
/// their UTF-8 bytes), which LWW registers use to break timestamp ties the same way on every
/// replica.
public enum Value: Hashable, Comparable, Sendable, CustomStringConvertible {
    case boolean(Bool)
    case integer(Int64)
    case string(String)
    case bytes([UInt8])
    case ipAddress(IPAddress)
    case tuple([Value])

    /// The wire tag, which is also the primary sort key.
    var tag: UInt8 {
        switch self {
        case .boolean: 1
        case .integer: 2
        case .string: 3
        case .bytes: 4
        case .ipAddress: 5
        case .tuple: 6
        }
    }

    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case let (.boolean(a), .boolean(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.string(a), .string(b)): ByteOrderedString.equal(a, b)
        case let (.bytes(a), .bytes(b)): a == b
        case let (.ipAddress(a), .ipAddress(b)): a == b
        case let (.tuple(a), .tuple(b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        switch self {
        case let .boolean(value): hasher.combine(value)
        case let .integer(value): hasher.combine(value)
        case let .string(value): ByteOrderedString.hash(value, into: &hasher)
        case let .bytes(value): hasher.combine(value)
        case let .ipAddress(value): hasher.combine(value)
        case let .tuple(values): hasher.combine(values)
        }
    }

    public static func < (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case let (.boolean(a), .boolean(b)): return !a && b
        case let (.integer(a), .integer(b)): return a < b
        case let (.string(a), .string(b)): return ByteOrderedString.less(a, b)
        case let (.bytes(a), .bytes(b)): return a.lexicographicallyPrecedes(b)
        case let (.ipAddress(a), .ipAddress(b)): return a < b
        case let (.tuple(a), .tuple(b)): return a.lexicographicallyPrecedes(b)
        default: return lhs.tag < rhs.tag
        }
    }

    public var description: String {
        switch self {
        case let .boolean(value): "\(value)"
        case let .integer(value): "\(value)"
        case let .string(value): "\"\(value)\""
        case let .bytes(value): "0x" + value.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        case let .ipAddress(value): value.description
        case let .tuple(values): "(" + values.map(\.description).joined(separator: ", ") + ")"
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension Value: DotMapKey {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(tag)
        switch self {
        case let .boolean(value): writer.writeBool(value)
        case let .integer(value): writer.writeSignedVarint(value)
        case let .string(value): writer.writeString(value)
        case let .bytes(value): writer.writeBytes(value)
        case let .ipAddress(value): writer.writeBytes(value.bytes)
        case let .tuple(values):
            writer.writeVarint(values.count)
            for value in values { value.encode(to: &writer) }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let tag = try reader.readUInt8("value.tag")
        switch tag {
        case 1: self = .boolean(try reader.readBool("value.boolean"))
        case 2: self = .integer(try reader.readSignedVarint("value.integer"))
        case 3: self = .string(try reader.readString("value.string"))
        case 4: self = .bytes(try reader.readBytes("value.bytes"))
        case 5:
            let bytes = try reader.readBytes("value.ipAddress")
            guard let address = IPAddress(bytes: bytes) else {
                throw .invalidValue(field: "value.ipAddress", reason: "\(bytes.count) bytes, expected 4 or 16")
            }
            self = .ipAddress(address)
        case 6:
            let count = try reader.readCount("value.tuple.count", minimumElementBytes: 2)
            var values: [Value] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                values.append(try reader.nested("value.tuple") { (reader) throws(WireError) in try Value(from: &reader) })
            }
            self = .tuple(values)
        default:
            throw .unknownTag(field: "value.tag", tag: UInt64(tag))
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
