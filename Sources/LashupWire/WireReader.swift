import NIOCore

/// A bounded reader over a `ByteBuffer`.
///
/// Every read checks what remains before touching memory and every length or count is checked
/// against both the remaining bytes and `limits`, so a hostile or truncated input produces a
/// `WireError` naming the field instead of a trap or a huge allocation.
public struct WireReader {
    /// The unread bytes.
    public private(set) var buffer: ByteBuffer
    /// The bounds this reader enforces.
    public let limits: WireLimits
    private var depth = 0

    public init(buffer: ByteBuffer, limits: WireLimits = .default) {
        self.buffer = buffer
        self.limits = limits
    }

    public init(bytes: some Sequence<UInt8>, limits: WireLimits = .default) {
        self.init(buffer: ByteBuffer(bytes: bytes), limits: limits)
    }

    /// Bytes not yet read.
    public var remaining: Int { buffer.readableBytes }

    private func require(_ count: Int, _ field: String) throws(WireError) {
        if buffer.readableBytes < count {
            throw .truncated(field: field, needed: count, remaining: buffer.readableBytes)
        }
    }

    public mutating func readUInt8(_ field: String) throws(WireError) -> UInt8 {
        try require(1, field)
        return buffer.readInteger(as: UInt8.self)!
    }

    public mutating func readUInt16(_ field: String) throws(WireError) -> UInt16 {
        try require(2, field)
        return buffer.readInteger(endianness: .big, as: UInt16.self)!
    }

    public mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        try require(4, field)
        return buffer.readInteger(endianness: .big, as: UInt32.self)!
    }

    public mutating func readUInt64(_ field: String) throws(WireError) -> UInt64 {
        try require(8, field)
        return buffer.readInteger(endianness: .big, as: UInt64.self)!
    }

    /// A boolean encoded as one byte, 0 or 1; anything else is malformed.
    public mutating func readBool(_ field: String) throws(WireError) -> Bool {
        switch try readUInt8(field) {
        case 0: return false
        case 1: return true
        case let other: throw .unknownTag(field: field, tag: UInt64(other))
        }
    }

    /// An unsigned LEB128 varint of at most 10 bytes. Over-long encodings of small numbers are
    /// rejected too, so every number has exactly one encoding (digests depend on that).
    public mutating func readVarint(_ field: String) throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<10 {
            let byte = try readUInt8(field)
            let payload = UInt64(byte & 0x7F)
            if index == 9 && byte > 1 { throw .malformedVarint(field: field) }
            result |= payload << shift
            if byte & 0x80 == 0 {
                if index > 0 && byte == 0 { throw .malformedVarint(field: field) }
                return result
            }
            shift += 7
        }
        throw .malformedVarint(field: field)
    }

    /// A zigzag-encoded signed varint.
    public mutating func readSignedVarint(_ field: String) throws(WireError) -> Int64 {
        let raw = try readVarint(field)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A varint that must fit `limit`; returned as `Int` for use as a length or index.
    public mutating func readBoundedVarint(_ field: String, limit: Int) throws(WireError) -> Int {
        let value = try readVarint(field)
        if value > UInt64(limit) { throw .limitExceeded(field: field, value: value, limit: UInt64(limit)) }
        return Int(value)
    }

    /// A byte length, checked against `maximumFieldBytes` and against what remains.
    public mutating func readLength(_ field: String) throws(WireError) -> Int {
        let length = try readBoundedVarint(field, limit: limits.maximumFieldBytes)
        try require(length, field)
        return length
    }

    /// An element count, checked against `maximumElementCount` and against the remaining bytes
    /// given that each element occupies at least `minimumElementBytes`.
    public mutating func readCount(_ field: String, minimumElementBytes: Int = 1) throws(WireError) -> Int {
        let count = try readBoundedVarint(field, limit: limits.maximumElementCount)
        if count * max(1, minimumElementBytes) > buffer.readableBytes {
            throw .countExceedsRemaining(field: field, count: UInt64(count), remaining: buffer.readableBytes)
        }
        return count
    }

    /// Length-prefixed bytes.
    public mutating func readBytes(_ field: String) throws(WireError) -> [UInt8] {
        let length = try readLength(field)
        return buffer.readBytes(length: length)!
    }

    /// Exactly `count` bytes with no length prefix.
    public mutating func readFixedBytes(_ field: String, count: Int) throws(WireError) -> [UInt8] {
        try require(count, field)
        return buffer.readBytes(length: count)!
    }

    /// Length-prefixed bytes as a slice sharing storage with the input.
    public mutating func readSlice(_ field: String) throws(WireError) -> ByteBuffer {
        let length = try readLength(field)
        return buffer.readSlice(length: length)!
    }

    /// A length-prefixed UTF-8 string; invalid UTF-8 is an error, never repaired.
    public mutating func readString(_ field: String) throws(WireError) -> String {
        let length = try readLength(field)
        let view = buffer.readableBytesView.prefix(length)
        guard let string = String(validating: view, as: UTF8.self) else {
            throw .invalidUTF8(field: field)
        }
        buffer.moveReaderIndex(forwardBy: length)
        return string
    }

    /// Runs `body` one nesting level deeper, failing once `maximumNestingDepth` is passed, so
    /// recursive decoders cannot be driven into a stack overflow.
    public mutating func nested<T>(_ field: String, _ body: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T {
        if depth >= limits.maximumNestingDepth {
            throw .nestingTooDeep(field: field, limit: limits.maximumNestingDepth)
        }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }

    /// Fails if any byte is left: a message must be consumed exactly.
    public func expectEnd(_ field: String) throws(WireError) {
        if buffer.readableBytes != 0 { throw .trailingBytes(field: field, count: buffer.readableBytes) }
    }
}
