import NIOCore

/// Appends Lashup's binary encodings to a `ByteBuffer`; the inverse of `WireReader`.
public struct WireWriter {
    /// Everything written so far.
    public var buffer: ByteBuffer

    public init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    /// The bytes written so far, as an array (convenient in tests and digests).
    public var bytes: [UInt8] { Array(buffer.readableBytesView) }

    public mutating func writeUInt8(_ value: UInt8) { buffer.writeInteger(value) }
    public mutating func writeUInt16(_ value: UInt16) { buffer.writeInteger(value, endianness: .big) }
    public mutating func writeUInt32(_ value: UInt32) { buffer.writeInteger(value, endianness: .big) }
    public mutating func writeUInt64(_ value: UInt64) { buffer.writeInteger(value, endianness: .big) }
    public mutating func writeBool(_ value: Bool) { writeUInt8(value ? 1 : 0) }

    /// Unsigned LEB128, shortest form.
    public mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            writeUInt8(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        writeUInt8(UInt8(remaining))
    }

    public mutating func writeVarint(_ value: Int) {
        precondition(value >= 0, "lengths and counts are never negative")
        writeVarint(UInt64(value))
    }

    /// Zigzag then LEB128, so small negative numbers stay small.
    public mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func writeBytes(_ bytes: some Collection<UInt8>) {
        writeVarint(bytes.count)
        buffer.writeBytes(bytes)
    }

    public mutating func writeFixedBytes(_ bytes: some Collection<UInt8>) {
        buffer.writeBytes(bytes)
    }

    public mutating func writeSlice(_ slice: ByteBuffer) {
        writeVarint(slice.readableBytes)
        var copy = slice
        buffer.writeBuffer(&copy)
    }

    public mutating func writeString(_ string: String) {
        writeVarint(string.utf8.count)
        buffer.writeString(string)
    }
}
