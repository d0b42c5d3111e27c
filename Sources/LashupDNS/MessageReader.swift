import LashupCRDT

/// Reads a message from bytes. Bounded: every count and length is checked against what
/// remains, compression pointers must point strictly backwards (so they cannot loop), and a
/// name may not exceed 255 bytes however it is assembled. Never traps on any input.
struct MessageReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func u8(_ what: @autoclosure () -> String) throws(DNSError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(what()) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: @autoclosure () -> String) throws(DNSError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(what()) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ what: @autoclosure () -> String) throws(DNSError) -> UInt32 {
        guard remaining >= 4 else { throw .truncated(what()) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws(DNSError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated(what()) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Reads a possibly compressed name (RFC 1035 §4.1.4).
    mutating func name(_ what: @autoclosure () -> String) throws(DNSError) -> DomainName {
        var wire: [UInt8] = []
        var position = offset
        var jumped = false
        // Pointers must go strictly backwards; together with the 255-byte limit this bounds work.
        var lowestTarget = offset
        while true {
            guard position < bytes.count else { throw .truncated("\(what()): name runs past the end") }
            let length = bytes[position]
            switch length & 0xc0 {
            case 0x00:
                if length == 0 {
                    wire.append(0)
                    if !jumped { offset = position + 1 }
                    guard wire.count <= DomainName.maximumWireLength else { throw .invalidName("\(what()): longer than 255 bytes") }
                    return DomainName(uncheckedWire: wire)
                }
                let end = position + 1 + Int(length)
                guard end <= bytes.count else { throw .truncated("\(what()): label runs past the end") }
                wire.append(length)
                wire += bytes[(position + 1)..<end]
                guard wire.count < DomainName.maximumWireLength else { throw .invalidName("\(what()): longer than 255 bytes") }
                position = end
            case 0xc0:
                guard position + 1 < bytes.count else { throw .truncated("\(what()): compression pointer cut short") }
                let target = Int(length & 0x3f) << 8 | Int(bytes[position + 1])
                guard target < lowestTarget else { throw .malformed("\(what()): compression pointer does not point backwards") }
                if !jumped { offset = position + 2 }
                jumped = true
                lowestTarget = target
                position = target
            default:
                throw .malformed("\(what()): label type 0x\(String(length >> 6, radix: 16)) is not supported")
            }
        }
    }

    mutating func question(_ index: Int) throws(DNSError) -> Question {
        let name = try name("question \(index) name")
        let type = RecordType(rawValue: try u16("question \(index) type"))
        let recordClass = RecordClass(rawValue: try u16("question \(index) class"))
        return Question(name: name, type: type, recordClass: recordClass)
    }

    /// Reads a record; an OPT record comes back as `.opt`.
    mutating func record(_ what: String) throws(DNSError) -> ReadRecord {
        let name = try name("\(what) name")
        let type = RecordType(rawValue: try u16("\(what) type"))
        let classField = try u16("\(what) class")
        let ttl = try u32("\(what) TTL")
        let length = Int(try u16("\(what) data length"))
        guard remaining >= length else { throw .truncated("\(what): data of \(length) bytes, \(remaining) left") }
        let end = offset + length
        if type == .opt {
            guard name == .root else { throw .malformed("\(what): OPT record not owned by the root") }
            var options: [EDNSOption] = []
            while offset < end {
                let code = try u16("\(what) option code")
                let size = Int(try u16("\(what) option length"))
                guard end - offset >= size else { throw .malformed("\(what): option longer than the record") }
                options.append(EDNSOption(code: code, data: try take(size, "\(what) option")))
            }
            let edns = EDNS(payloadSize: classField, extendedRcode: UInt8(ttl >> 24), version: UInt8((ttl >> 16) & 0xff),
                            dnssecOK: ttl & 0x8000 != 0, options: options)
            return .opt(edns)
        }
        let data = try recordData(type: type, length: length, what: what)
        guard offset == end else { throw .malformed("\(what): \(type) data is \(offset - (end - length)) bytes, its length says \(length)") }
        return .record(ResourceRecord(name: name, recordClass: RecordClass(rawValue: classField), ttl: ttl, data: data))
    }

    enum ReadRecord {
        case record(ResourceRecord)
        case opt(EDNS)
    }

    mutating func recordData(type: RecordType, length: Int, what: String) throws(DNSError) -> RecordData {
        let start = offset
        switch type {
        case .a:
            guard length == 4 else { throw .malformed("\(what): A data must be 4 bytes, not \(length)") }
            return .a(IPAddress(bytes: try take(4, what))!)
        case .aaaa:
            guard length == 16 else { throw .malformed("\(what): AAAA data must be 16 bytes, not \(length)") }
            return .aaaa(IPAddress(bytes: try take(16, what))!)
        case .cname: return .cname(try boundedName(what, end: start + length))
        case .ns: return .ns(try boundedName(what, end: start + length))
        case .ptr: return .ptr(try boundedName(what, end: start + length))
        case .soa:
            let primary = try boundedName("\(what) SOA mname", end: start + length)
            let mailbox = try boundedName("\(what) SOA rname", end: start + length)
            guard start + length - offset == 20 else { throw .malformed("\(what): SOA data has the wrong length") }
            return .soa(StartOfAuthority(primary: primary, mailbox: mailbox, serial: try u32(what), refresh: try u32(what),
                                         retry: try u32(what), expire: try u32(what), minimum: try u32(what)))
        case .srv:
            guard length >= 7 else { throw .malformed("\(what): SRV data too short") }
            let priority = try u16(what), weight = try u16(what), port = try u16(what)
            return .srv(ServiceLocation(priority: priority, weight: weight, port: port, target: try boundedName("\(what) SRV target", end: start + length)))
        case .txt:
            var strings: [[UInt8]] = []
            while offset < start + length {
                let size = Int(try u8(what))
                guard start + length - offset >= size else { throw .malformed("\(what): TXT string longer than the record") }
                strings.append(try take(size, what))
            }
            return .txt(strings)
        default:
            return .unknown(type: type, bytes: try take(length, what))
        }
    }

    /// A name inside record data must end inside that data (pointers may still lead before it).
    mutating func boundedName(_ what: String, end: Int) throws(DNSError) -> DomainName {
        let name = try name(what)
        guard offset <= end else { throw .malformed("\(what): name runs past the record data") }
        return name
    }
}

extension Message {
    /// Most records of all sections together we read; a 64 KiB message cannot hold more than
    /// about 5 000 honest ones, so this only stops count fields that lie.
    public static let maximumRecords = 8_192

    /// Decodes a message. Throws a `DNSError` naming the first problem; never traps.
    public init(decoding bytes: [UInt8]) throws(DNSError) {
        guard bytes.count <= Self.maximumLength else { throw .malformed("longer than \(Self.maximumLength) bytes") }
        var reader = MessageReader(bytes)
        let id = try reader.u16("header")
        let header = Header(id: id, flags: try reader.u16("header"))
        let counts = [try reader.u16("header"), try reader.u16("header"), try reader.u16("header"), try reader.u16("header")]
        // Each question needs ≥ 5 bytes and each record ≥ 11: refuse counts the bytes cannot hold.
        let least = Int(counts[0]) * 5 + (Int(counts[1]) + Int(counts[2]) + Int(counts[3])) * 11
        guard least <= reader.remaining else { throw .truncated("the header announces more entries than the message holds") }
        guard Int(counts[1]) + Int(counts[2]) + Int(counts[3]) <= Self.maximumRecords else { throw .malformed("too many records") }
        var questions: [Question] = []
        for index in 0..<Int(counts[0]) { questions.append(try reader.question(index)) }
        var sections: [[ResourceRecord]] = [[], [], []]
        var edns: EDNS?
        let sectionNames = ["answer", "authority", "additional"]
        for section in 0..<3 {
            for index in 0..<Int(counts[section + 1]) {
                switch try reader.record("\(sectionNames[section]) record \(index)") {
                case let .record(record): sections[section].append(record)
                case let .opt(options):
                    guard section == 2 else { throw .malformed("OPT record outside the additional section") }
                    guard edns == nil else { throw .malformed("more than one OPT record") }
                    edns = options
                }
            }
        }
        guard reader.remaining == 0 else { throw .malformed("\(reader.remaining) bytes after the last record") }
        self.init(header: header, questions: questions, answers: sections[0], authorities: sections[1], additionals: sections[2], edns: edns)
    }
}
