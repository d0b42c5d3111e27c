/// Why a frame or a message could not be decoded.
///
/// Every case names the field that was being read, so a log line such as
/// `truncated input reading "dot.counter": needed 1 byte(s), 0 remain` says what was wrong
/// without a debugger. Decoders throw these and never trap.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before `field` was complete.
    case truncated(field: String, needed: Int, remaining: Int)
    /// A varint ran past 10 bytes or overflowed 64 bits.
    case malformedVarint(field: String)
    /// A length or count is larger than the configured limit.
    case limitExceeded(field: String, value: UInt64, limit: UInt64)
    /// A count promises more elements than the remaining bytes could possibly hold.
    case countExceedsRemaining(field: String, count: UInt64, remaining: Int)
    /// A string's bytes are not valid UTF-8.
    case invalidUTF8(field: String)
    /// An enum tag or discriminator has no meaning in this protocol version.
    case unknownTag(field: String, tag: UInt64)
    /// A value is syntactically fine but violates an invariant of its type.
    case invalidValue(field: String, reason: String)
    /// Structures nest deeper than the decoder allows.
    case nestingTooDeep(field: String, limit: Int)
    /// A message was decoded but bytes were left over.
    case trailingBytes(field: String, count: Int)
    /// A frame did not start with the Lashup magic bytes.
    case badMagic(found: UInt16)
    /// A frame carried a protocol version this build does not speak.
    case unsupportedVersion(found: UInt8, supported: ClosedRange<UInt8>)
    /// A frame declared a payload larger than the configured maximum frame size.
    case frameTooLarge(declared: UInt64, limit: Int)

    public var description: String {
        switch self {
        case let .truncated(field, needed, remaining):
            return "truncated input reading \"\(field)\": needed \(needed) byte(s), \(remaining) remain"
        case let .malformedVarint(field):
            return "malformed varint in \"\(field)\": longer than 10 bytes or larger than 64 bits"
        case let .limitExceeded(field, value, limit):
            return "\"\(field)\" is \(value), above the limit of \(limit)"
        case let .countExceedsRemaining(field, count, remaining):
            return "\"\(field)\" declares \(count) element(s) but only \(remaining) byte(s) remain"
        case let .invalidUTF8(field):
            return "\"\(field)\" is not valid UTF-8"
        case let .unknownTag(field, tag):
            return "unknown tag \(tag) in \"\(field)\""
        case let .invalidValue(field, reason):
            return "invalid \"\(field)\": \(reason)"
        case let .nestingTooDeep(field, limit):
            return "\"\(field)\" nests deeper than \(limit) levels"
        case let .trailingBytes(field, count):
            return "\(count) unexpected trailing byte(s) after \"\(field)\""
        case let .badMagic(found):
            let hex = String(found, radix: 16, uppercase: true)
            return "not a Lashup frame: magic 0x\(hex), expected 0x\(String(Frame.magic, radix: 16, uppercase: true))"
        case let .unsupportedVersion(found, supported):
            return "protocol version \(found) is not supported (this build speaks \(supported.lowerBound)...\(supported.upperBound))"
        case let .frameTooLarge(declared, limit):
            return "frame payload of \(declared) bytes exceeds the maximum frame size of \(limit) bytes"
        }
    }
}
