/// Builds netlink requests: headers, fixed family headers and attributes (type-length-value,
/// each padded to 4 bytes), in host byte order as the kernel expects, except where a field is
/// defined big-endian (ports) or as address bytes.
struct NetlinkWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    /// Starts a message; returns its offset for `endMessage`.
    mutating func beginMessage(type: UInt16, flags: UInt16, sequence: UInt32) -> Int {
        let start = bytes.count
        append(UInt32(0))  // length, patched by endMessage
        append(type)
        append(flags)
        append(sequence)
        append(UInt32(0))  // port id: the kernel fills in ours
        return start
    }

    /// Patches the length of the message begun at `start`.
    mutating func endMessage(_ start: Int) {
        padToFour()
        patch(UInt32(bytes.count - start), at: start)
    }

    mutating func append<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func append(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// An attribute's length is 16 bits: a payload too long for it is written with the length
    /// clamped, which the kernel refuses as malformed (an error, never a trap here). Nothing
    /// this client sends comes near the limit.
    mutating func attribute(_ type: UInt16, bytes payload: [UInt8]) {
        append(UInt16(clamping: 4 + payload.count))
        append(type)
        bytes.append(contentsOf: payload)
        padToFour()
    }

    mutating func attribute<Integer: FixedWidthInteger>(_ type: UInt16, _ value: Integer) {
        var payload: [UInt8] = []
        withUnsafeBytes(of: value) { payload.append(contentsOf: $0) }
        attribute(type, bytes: payload)
    }

    mutating func attribute(_ type: UInt16, bigEndian value: UInt16) {
        attribute(type, bytes: [UInt8(value >> 8), UInt8(value & 0xFF)])
    }

    /// A NUL-terminated string attribute (interface names, link kinds).
    mutating func attribute(_ type: UInt16, string: String) {
        attribute(type, bytes: Array(string.utf8) + [0])
    }

    /// A nested attribute whose payload `body` writes.
    mutating func nested(_ type: UInt16, _ body: (inout NetlinkWriter) -> Void) {
        let start = bytes.count
        append(UInt16(0))
        append(type)
        body(&self)
        padToFour()
        patch(UInt16(clamping: bytes.count - start), at: start)
    }

    private mutating func padToFour() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private mutating func patch<Integer: FixedWidthInteger>(_ value: Integer, at offset: Int) {
        withUnsafeBytes(of: value) { raw in
            for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
        }
    }
}
