import LashupCRDT

/// One netlink message as received: header fields and the payload after the header.
public struct NetlinkMessage: Sendable, Equatable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    public var payload: [UInt8]
}

/// Why bytes from the kernel could not be read. The decoder never traps: every length is
/// checked against the bytes that remain.
public enum NetlinkDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(what: String, need: Int, have: Int)
    case badLength(what: String, length: Int)

    public var description: String {
        switch self {
        case let .truncated(what, need, have): "netlink \(what) truncated: needs \(need) bytes, \(have) left"
        case let .badLength(what, length): "netlink \(what) has an impossible length \(length)"
        }
    }
}

/// Reads netlink datagrams, family headers and attributes, bounded by the bytes given.
public enum NetlinkReader {
    static let headerSize = 16

    /// Every message in one datagram (the kernel packs several into one).
    public static func messages(in datagram: [UInt8]) throws(NetlinkDecodingError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while datagram.count - offset >= headerSize {
            let length = Int(read(UInt32.self, datagram, offset))
            guard length >= headerSize else { throw .badLength(what: "message", length: length) }
            guard length <= datagram.count - offset else { throw .truncated(what: "message", need: length, have: datagram.count - offset) }
            messages.append(NetlinkMessage(
                type: read(UInt16.self, datagram, offset + 4), flags: read(UInt16.self, datagram, offset + 6),
                sequence: read(UInt32.self, datagram, offset + 8), portID: read(UInt32.self, datagram, offset + 12),
                payload: Array(datagram[(offset + headerSize)..<(offset + length)])
            ))
            offset += aligned(length)
        }
        if offset < datagram.count {
            // Trailing bytes shorter than a header: only padding is allowed there.
            guard datagram[offset...].allSatisfy({ $0 == 0 }) else {
                throw .truncated(what: "message header", need: headerSize, have: datagram.count - offset)
            }
        }
        return messages
    }

    /// An integer in host order at `offset` (the caller has checked the bounds).
    static func read<Integer: FixedWidthInteger>(_ type: Integer.Type, _ bytes: [UInt8], _ offset: Int) -> Integer {
        var value = Integer.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<MemoryLayout<Integer>.size { raw[index] = bytes[offset + index] }
        }
        return value
    }

    static func aligned(_ length: Int) -> Int { (length + 3) & ~3 }
}

/// A family header (`ifinfomsg`, `rtmsg`, …) followed by attributes, as one payload.
struct NetlinkPayload {
    let bytes: [UInt8]
    let what: String

    /// Checks that the fixed header of `size` bytes is there.
    init(_ bytes: [UInt8], headerSize size: Int, what: String) throws(NetlinkDecodingError) {
        guard bytes.count >= size else { throw .truncated(what: "\(what) header", need: size, have: bytes.count) }
        self.bytes = bytes
        self.what = what
        self.headerSize = size
    }

    let headerSize: Int

    func header<Integer: FixedWidthInteger>(_ type: Integer.Type, at offset: Int) -> Integer {
        NetlinkReader.read(type, bytes, offset)
    }

    func attributes() throws(NetlinkDecodingError) -> NetlinkAttributes {
        try NetlinkAttributes(Array(bytes[headerSize...]), what: what)
    }
}

/// The attributes of one level, by type (the last of a repeated type wins; the objects this
/// client reads repeat none).
struct NetlinkAttributes {
    private(set) var values: [UInt16: [UInt8]] = [:]
    let what: String

    init(_ bytes: [UInt8], what: String) throws(NetlinkDecodingError) {
        self.what = what
        var offset = 0
        while bytes.count - offset >= 4 {
            let length = Int(NetlinkReader.read(UInt16.self, bytes, offset))
            // The top bits mark nested and byte-order attributes; the type is the rest.
            let type = NetlinkReader.read(UInt16.self, bytes, offset + 2) & 0x3FFF
            guard length >= 4 else { throw .badLength(what: "\(what) attribute \(type)", length: length) }
            guard length <= bytes.count - offset else { throw .truncated(what: "\(what) attribute \(type)", need: length, have: bytes.count - offset) }
            values[type] = Array(bytes[(offset + 4)..<(offset + length)])
            offset += min(NetlinkReader.aligned(length), bytes.count - offset)
        }
    }

    subscript(_ type: UInt16) -> [UInt8]? { values[type] }

    func integer<Integer: FixedWidthInteger>(_ type: UInt16, as: Integer.Type) throws(NetlinkDecodingError) -> Integer? {
        guard let value = values[type] else { return nil }
        guard value.count >= MemoryLayout<Integer>.size else {
            throw .truncated(what: "\(what) attribute \(type)", need: MemoryLayout<Integer>.size, have: value.count)
        }
        return NetlinkReader.read(Integer.self, value, 0)
    }

    /// A NUL-terminated (or unterminated) string.
    func string(_ type: UInt16) -> String? {
        guard let value = values[type] else { return nil }
        return String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An address of 4 or 16 bytes; other lengths are not addresses.
    func address(_ type: UInt16) throws(NetlinkDecodingError) -> IPAddress? {
        guard let value = values[type] else { return nil }
        guard let address = IPAddress(bytes: value) else { throw .badLength(what: "\(what) address attribute \(type)", length: value.count) }
        return address
    }

    func nested(_ type: UInt16) throws(NetlinkDecodingError) -> NetlinkAttributes? {
        guard let value = values[type] else { return nil }
        return try NetlinkAttributes(value, what: "\(what) attribute \(type)")
    }
}
