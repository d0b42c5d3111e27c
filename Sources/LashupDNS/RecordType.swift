/// A resource record type (RFC 1035 §3.2.2 and later). Unknown types are carried by number.
public struct RecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RecordType(rawValue: 1)
    public static let ns = RecordType(rawValue: 2)
    public static let cname = RecordType(rawValue: 5)
    public static let soa = RecordType(rawValue: 6)
    public static let ptr = RecordType(rawValue: 12)
    public static let txt = RecordType(rawValue: 16)
    public static let aaaa = RecordType(rawValue: 28)
    public static let srv = RecordType(rawValue: 33)
    public static let opt = RecordType(rawValue: 41)
    /// The `ANY` query type (RFC 8482: answered with what we have, not refused).
    public static let any = RecordType(rawValue: 255)
    public static let axfr = RecordType(rawValue: 252)
    public static let ixfr = RecordType(rawValue: 251)

    static let names: [(RecordType, String)] = [
        (.a, "A"), (.ns, "NS"), (.cname, "CNAME"), (.soa, "SOA"), (.ptr, "PTR"), (.txt, "TXT"),
        (.aaaa, "AAAA"), (.srv, "SRV"), (.opt, "OPT"), (.any, "ANY"), (.axfr, "AXFR"), (.ixfr, "IXFR"),
    ]

    /// Parses a mnemonic such as `A` or `srv`, or `TYPE123` (RFC 3597).
    public init?(mnemonic: String) {
        let upper = mnemonic.uppercased()
        if let known = Self.names.first(where: { $0.1 == upper }) { self = known.0; return }
        guard upper.hasPrefix("TYPE"), let number = UInt16(upper.dropFirst(4)) else { return nil }
        self.init(rawValue: number)
    }

    public var description: String {
        Self.names.first(where: { $0.0 == self })?.1 ?? "TYPE\(rawValue)"
    }
}

/// A record class; only IN (1) is served, CH/HS and others are refused.
public struct RecordClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let internet = RecordClass(rawValue: 1)
    public static let any = RecordClass(rawValue: 255)
    public var description: String { self == .internet ? "IN" : "CLASS\(rawValue)" }
}

/// A response code, 12 bits wide once EDNS0 extends it (RFC 6891 §6.1.3).
public struct ResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = ResponseCode(rawValue: 0)
    public static let formatError = ResponseCode(rawValue: 1)
    public static let serverFailure = ResponseCode(rawValue: 2)
    public static let nameError = ResponseCode(rawValue: 3)
    public static let notImplemented = ResponseCode(rawValue: 4)
    public static let refused = ResponseCode(rawValue: 5)
    /// EDNS version not supported (RFC 6891 §6.1.3), needs an OPT record to be expressed.
    public static let badVersion = ResponseCode(rawValue: 16)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}
