import LashupCRDT

/// An address and a prefix length: `10.0.0.0/24`, `fd00::/64`, `11.0.0.7/32`.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: UInt8

    public init?(address: IPAddress, length: UInt8) {
        guard length <= (address.isIPv4 ? 32 : 128) else { return nil }
        self.address = address
        self.length = length
    }

    /// `ADDRESS/LENGTH`, or a bare address (a host prefix).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let address = IPAddress(first) else { return nil }
        let length: UInt8?
        if parts.count == 2 { length = UInt8(parts[1]) } else { length = address.isIPv4 ? 32 : 128 }
        guard let length else { return nil }
        self.init(address: address, length: length)
    }

    public var family: IPAddressFamily { address.isIPv4 ? .v4 : .v6 }

    /// Whether `other` lies inside this prefix (same family, same network bits).
    public func contains(_ other: IPAddress) -> Bool {
        guard other.isIPv4 == address.isIPv4, let host = IPPrefix(address: other, length: length) else { return false }
        return host.network.address == network.address
    }

    /// The prefix with its host bits cleared, as the kernel stores a route's destination
    /// (`10.1.2.3/24` becomes `10.1.2.0/24`).
    public var network: IPPrefix {
        var copy = self
        switch address {
        case let .v4(value):
            copy.address = .v4(length == 0 ? 0 : value & (UInt32.max << (32 - UInt32(length))))
        case let .v6(high, low):
            let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : .max << (64 - UInt64(length)))
            let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : .max << (128 - UInt64(length)))
            copy.address = .v6(high: high & highMask, low: low & lowMask)
        }
        return copy
    }

    public var description: String { "\(address)/\(length)" }
}

extension IPAddress {
    /// An IPv6 link-local address (fe80::/10): the kernel gives every IPv6 link one, and a
    /// gateway there is on the link by definition.
    public var isLinkLocal: Bool {
        if case let .v6(high, _) = self { return high >> 54 == 0x3FA }
        return false
    }
}

/// A 6-byte Ethernet address, written `aa:bb:cc:dd:ee:ff`.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
