/// The fixed header of a message (RFC 1035 §4.1.1), flags unpacked.
public struct Header: Hashable, Sendable {
    public var id: UInt16
    public var isResponse: Bool
    /// 0 = QUERY; everything else is answered NOTIMP.
    public var opcode: UInt8
    public var authoritative: Bool
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    public var authenticData: Bool
    public var checkingDisabled: Bool
    /// The low 4 bits of the response code; the rest travels in the OPT record.
    public var rcodeLow: UInt8

    public init(id: UInt16, isResponse: Bool = false, opcode: UInt8 = 0, authoritative: Bool = false, truncated: Bool = false,
                recursionDesired: Bool = false, recursionAvailable: Bool = false, authenticData: Bool = false,
                checkingDisabled: Bool = false, rcodeLow: UInt8 = 0) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.authoritative = authoritative
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.rcodeLow = rcodeLow
    }

    /// The 16 flag bits as on the wire.
    public var flags: UInt16 {
        var bits: UInt16 = 0
        if isResponse { bits |= 0x8000 }
        bits |= UInt16(opcode & 0x0f) << 11
        if authoritative { bits |= 0x0400 }
        if truncated { bits |= 0x0200 }
        if recursionDesired { bits |= 0x0100 }
        if recursionAvailable { bits |= 0x0080 }
        if authenticData { bits |= 0x0020 }
        if checkingDisabled { bits |= 0x0010 }
        return bits | UInt16(rcodeLow & 0x0f)
    }

    public init(id: UInt16, flags: UInt16) {
        self.init(
            id: id, isResponse: flags & 0x8000 != 0, opcode: UInt8((flags >> 11) & 0x0f),
            authoritative: flags & 0x0400 != 0, truncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0, recursionAvailable: flags & 0x0080 != 0,
            authenticData: flags & 0x0020 != 0, checkingDisabled: flags & 0x0010 != 0,
            rcodeLow: UInt8(flags & 0x000f)
        )
    }
}

/// The EDNS0 pseudo-record (RFC 6891 §6.1), kept apart from the additional section.
public struct EDNS: Hashable, Sendable {
    /// Smallest payload size a client may announce; smaller values are treated as 512 (§6.2.3).
    public static let minimumPayloadSize: UInt16 = 512
    /// The size we announce and answer up to over UDP (the DNS Flag Day 2020 value).
    public static let defaultPayloadSize: UInt16 = 1232

    public var payloadSize: UInt16
    /// The high 8 bits of the 12-bit response code.
    public var extendedRcode: UInt8
    public var version: UInt8
    /// The DO bit (RFC 3225).
    public var dnssecOK: Bool
    /// The options, as raw (code, data) pairs.
    public var options: [EDNSOption]

    public init(payloadSize: UInt16 = EDNS.defaultPayloadSize, extendedRcode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false, options: [EDNSOption] = []) {
        self.payloadSize = payloadSize
        self.extendedRcode = extendedRcode
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }

    /// Bytes the OPT record takes in a message.
    var wireLength: Int { 11 + options.reduce(0) { $0 + 4 + $1.data.count } }
}

/// One EDNS option (RFC 6891 §6.1.2).
public struct EDNSOption: Hashable, Sendable {
    public var code: UInt16
    public var data: [UInt8]
    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }
}

/// A whole DNS message.
public struct Message: Hashable, Sendable {
    /// Largest message (the TCP length prefix's limit).
    public static let maximumLength = 65_535
    /// UDP answer limit without EDNS0 (RFC 1035 §4.2.1).
    public static let classicUDPLimit = 512

    public var header: Header
    public var questions: [Question]
    public var answers: [ResourceRecord]
    public var authorities: [ResourceRecord]
    /// Additional records, the OPT record excluded (it is `edns`).
    public var additionals: [ResourceRecord]
    public var edns: EDNS?

    public init(header: Header, questions: [Question] = [], answers: [ResourceRecord] = [], authorities: [ResourceRecord] = [],
                additionals: [ResourceRecord] = [], edns: EDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// The full response code: the header's 4 bits plus the OPT record's 8.
    public var responseCode: ResponseCode {
        get { ResponseCode(rawValue: UInt16(edns?.extendedRcode ?? 0) << 4 | UInt16(header.rcodeLow)) }
        set {
            header.rcodeLow = UInt8(newValue.rawValue & 0x0f)
            if newValue.rawValue > 0x0f { edns?.extendedRcode = UInt8(truncatingIfNeeded: newValue.rawValue >> 4) } else { edns?.extendedRcode = 0 }
        }
    }
}
