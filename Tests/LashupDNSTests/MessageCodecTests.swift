import LashupCRDT
import LashupDNS
import LashupTestSupport
import PropertyBased
import Testing

/// Helpers shared by the codec tests.
enum DNSFixture {
    static func name(_ text: String) -> DomainName { try! DomainName(text) }

    /// Bytes from hex, spaces ignored.
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    static func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
    static func u32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }

    /// A header: id, flags and the four counts.
    static func header(id: Int = 0x1234, flags: Int = 0, qd: Int = 0, an: Int = 0, ns: Int = 0, ar: Int = 0) -> [UInt8] {
        u16(id) + u16(flags) + u16(qd) + u16(an) + u16(ns) + u16(ar)
    }

    /// Uncompressed wire form of a name given as text.
    static func wire(_ text: String) -> [UInt8] { name(text).wire }

    static func a(_ owner: String, _ address: String, ttl: UInt32 = 60) -> ResourceRecord {
        ResourceRecord(name: name(owner), ttl: ttl, data: .a(IPAddress(address)!))
    }

    /// The 16-bit field at `offset`.
    static func field(_ bytes: [UInt8], _ offset: Int) -> Int { Int(bytes[offset]) << 8 | Int(bytes[offset + 1]) }

    static func decode(_ bytes: [UInt8]) throws -> Message { try Message(decoding: bytes) }

    /// The cookie option `dig` sends (RFC 7873, client cookie only).
    static let cookie = EDNSOption(code: 10, data: bytes("9bf9132af6ccebd9"))
}

@Suite("DNS message encoding and decoding", .onDedicatedThread)
struct MessageCodecTests {
    typealias F = DNSFixture

    // MARK: Record types

    /// One answer per record type, owned by a name that shares no suffix with the data, so the
    /// record data is checked byte for byte (only the SOA mailbox compresses, into the primary).
    @Test("every record type round-trips, with its record data as RFC 1035/2782/3596/3597 lay it out")
    func recordTypes() throws {
        let owner = "rr.test"  // 9 bytes: record data starts at 12 + 9 + 10 = 31
        let rdataStart = 31
        let soa = StartOfAuthority(primary: F.name("ns1.example.com"), mailbox: F.name("hostmaster.example.com"),
                                   serial: 2_024_010_101, refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)
        let z255 = [UInt8](repeating: 0x7a, count: 255)
        let cases: [(RecordData, RecordType, [UInt8])] = [
            (.a(IPAddress("192.0.2.1")!), .a, [192, 0, 2, 1]),
            (.aaaa(IPAddress("2001:db8::1")!), .aaaa, [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]),
            (.cname(F.name("web.example.com")), .cname, F.wire("web.example.com")),
            (.ns(F.name("ns1.example.com")), .ns, F.wire("ns1.example.com")),
            (.ptr(F.name("host.example.com")), .ptr, F.wire("host.example.com")),
            // The mailbox's "example.com" points at the primary's, 4 bytes into the record data.
            (.soa(soa), .soa, F.wire("ns1.example.com") + [10] + Array("hostmaster".utf8) + [0xc0, UInt8(rdataStart + 4)]
                + F.u32(2_024_010_101) + F.u32(7200) + F.u32(3600) + F.u32(1_209_600) + F.u32(300)),
            (.srv(ServiceLocation(priority: 10, weight: 60, port: 5060, target: F.name("sip.example.com"))), .srv,
             [0, 10, 0, 60, 0x13, 0xc4] + F.wire("sip.example.com")),
            (.txt([Array("v=spf1 -all".utf8), [], z255]), .txt, [11] + Array("v=spf1 -all".utf8) + [0, 255] + z255),
            (.txt([]), .txt, []),
            (.unknown(type: RecordType(rawValue: 65280), bytes: [1, 2, 3]), RecordType(rawValue: 65280), [1, 2, 3]),
            (.unknown(type: RecordType(rawValue: 99), bytes: []), RecordType(rawValue: 99), []),
            // MX is not interpreted: its data (and any name in it) travels as opaque bytes.
            (.unknown(type: RecordType(rawValue: 15), bytes: [0, 10] + F.wire("mail.example.com")), RecordType(rawValue: 15),
             [0, 10] + F.wire("mail.example.com")),
        ]
        for (data, type, rdata) in cases {
            let record = ResourceRecord(name: F.name(owner), recordClass: .internet, ttl: 3600, data: data)
            #expect(record.type == type)
            let message = Message(header: Header(id: 7, isResponse: true, authoritative: true), answers: [record])
            let bytes = message.encoded()
            #expect(F.field(bytes, rdataStart - 10) == Int(type.rawValue), "\(type): type field")
            #expect(F.field(bytes, rdataStart - 8) == 1, "\(type): class IN")
            #expect(Array(bytes[(rdataStart - 6)..<(rdataStart - 2)]) == F.u32(3600), "\(type): TTL")
            #expect(F.field(bytes, rdataStart - 2) == rdata.count, "\(type): data length")
            #expect(Array(bytes[rdataStart...]) == rdata, "\(type): record data")
            let decoded = try F.decode(bytes)
            #expect(decoded == message, "\(type)")
            #expect(decoded.answers.first?.data == data)
        }
    }

    @Test("record class and TTL extremes round-trip; the record type follows the data")
    func classAndTTL() throws {
        let records = [
            ResourceRecord(name: F.name("x.test"), recordClass: RecordClass(rawValue: 3), ttl: .max, data: .txt([[1]])),
            ResourceRecord(name: F.name("x.test"), recordClass: .any, ttl: 0, data: .a(IPAddress("0.0.0.0")!)),
            ResourceRecord(name: .root, recordClass: RecordClass(rawValue: 0xffff), ttl: 1, data: .unknown(type: RecordType(rawValue: 0xffff), bytes: [])),
        ]
        let message = Message(header: Header(id: 1), answers: records, authorities: records, additionals: records)
        #expect(try F.decode(message.encoded()) == message)
        #expect(RecordClass(rawValue: 3).description == "CLASS3")
        #expect(RecordType(mnemonic: "srv") == .srv)
        #expect(RecordType(mnemonic: "TYPE65280") == RecordType(rawValue: 65280))
        #expect(RecordType(rawValue: 65280).description == "TYPE65280")
        #expect(RecordType(mnemonic: "TYPEx") == nil)
    }

    // MARK: Header

    @Test("every header flag, the opcode and the id survive the wire")
    func headerFlags() throws {
        let header = Header(id: 0xbeef, isResponse: true, opcode: 2, authoritative: true, truncated: true, recursionDesired: true,
                            recursionAvailable: true, authenticData: true, checkingDisabled: true, rcodeLow: 5)
        #expect(header.flags == 0x97b5)
        #expect(Header(id: 0xbeef, flags: 0x97b5) == header)
        let message = Message(header: header, questions: [Question(name: F.name("example.com"), type: .a)])
        let bytes = message.encoded()
        #expect(Array(bytes[0..<4]) == [0xbe, 0xef, 0x97, 0xb5])
        #expect(try F.decode(bytes) == message)
        #expect(Header(id: 0, flags: 0x0040).flags == 0, "the reserved Z bit is not kept")
        for bit in 0..<16 where bit != 6 {
            let flags = UInt16(1) << bit
            #expect(Header(id: 0, flags: flags).flags == flags, "flag bit \(bit)")
        }
    }

    @Test("questions keep their type and class, including meta types and other classes")
    func questions() throws {
        let questions = [
            Question(name: F.name("Example.com"), type: .any),
            Question(name: F.name("example.com"), type: .axfr, recordClass: .any),
            Question(name: .root, type: RecordType(rawValue: 65000), recordClass: RecordClass(rawValue: 3)),
        ]
        let message = Message(header: Header(id: 2, recursionDesired: true), questions: questions)
        let decoded = try F.decode(message.encoded())
        #expect(decoded == message)
        #expect(decoded.questions[0].name.wire == F.wire("Example.com"), "case is kept in the question")
        #expect(decoded.questions[1].name.wire == F.wire("Example.com"), "a repeated name is a pointer, whatever its case")
    }

    // MARK: EDNS

    @Test("EDNS: payload size, version, DO bit and options round-trip as one OPT record at the end")
    func edns() throws {
        let edns = EDNS(payloadSize: 4096, version: 0, dnssecOK: true, options: [F.cookie, EDNSOption(code: 3, data: [])])
        let message = Message(
            header: Header(id: 9, recursionDesired: true),
            questions: [Question(name: F.name("example.com"), type: .aaaa)],
            additionals: [F.a("ns.example.com", "192.0.2.53")],
            edns: edns
        )
        let bytes = message.encoded()
        #expect(F.field(bytes, 10) == 2, "ARCOUNT counts the OPT record")
        // Root owner, type 41, class = payload size, TTL = extended rcode, version, DO + Z,
        // then the options as code, length, data.
        let opt = F.bytes("00 0029 1000 00 00 8000 0010 000a 0008 9bf9132af6ccebd9 0003 0000")
        #expect(Array(bytes.suffix(opt.count)) == opt)
        let decoded = try F.decode(bytes)
        #expect(decoded == message)
        #expect(decoded.edns == edns)
        #expect(decoded.additionals == message.additionals, "the OPT record is not an additional record")

        // Version and the absence of DO, too.
        var other = message
        other.edns = EDNS(payloadSize: 512, version: 1, dnssecOK: false)
        #expect(try F.decode(other.encoded()).edns == other.edns)
        other.edns = nil
        #expect(try F.decode(other.encoded()).edns == nil)
    }

    @Test("the OPT record is found anywhere in the additional section")
    func optBeforeOtherAdditionals() throws {
        let bytes = F.header(flags: 0x8000, ar: 2)
            + F.bytes("00 0029 04d0 00 00 0000 0000")
            + F.wire("ns.test") + F.bytes("0001 0001 0000003c 0004 c0000235")
        let decoded = try F.decode(bytes)
        #expect(decoded.edns == EDNS(payloadSize: 1232))
        #expect(decoded.additionals == [F.a("ns.test", "192.0.2.53")])
    }

    @Test("extended response codes: BADVERS (16) travels as 0 in the header and 1 in the OPT record")
    func extendedRcode() throws {
        var message = Message(header: Header(id: 3, isResponse: true), edns: EDNS())
        message.responseCode = .badVersion
        #expect(message.header.rcodeLow == 0)
        #expect(message.edns?.extendedRcode == 1)
        #expect(message.responseCode == .badVersion)
        #expect(message.responseCode.description == "BADVERS")
        let bytes = message.encoded()
        #expect(bytes[3] & 0x0f == 0, "header RCODE holds the low 4 bits")
        #expect(bytes[12 + 5] == 1, "OPT TTL's first byte holds the high 8 bits")
        let decoded = try F.decode(bytes)
        #expect(decoded.responseCode == .badVersion)
        #expect(decoded == message)

        // A full 12-bit code, and back to a plain one (the high bits are cleared).
        message.responseCode = ResponseCode(rawValue: 0xabc)
        #expect(message.header.rcodeLow == 0xc && message.edns?.extendedRcode == 0xab)
        #expect(try F.decode(message.encoded()).responseCode.rawValue == 0xabc)
        message.responseCode = .nameError
        #expect(message.edns?.extendedRcode == 0)
        #expect(try F.decode(message.encoded()).responseCode == .nameError)

        // Without EDNS only the low 4 bits exist.
        var plain = Message(header: Header(id: 4, isResponse: true))
        plain.responseCode = .refused
        #expect(try F.decode(plain.encoded()).responseCode == .refused)
        #expect(ResponseCode(rawValue: 3).description == "NXDOMAIN")
    }

    // MARK: Compression

    /// A response repeating the question's name: every owner becomes the pointer C0 0C.
    @Test("names compress: ten answers for the question's name cost 2 bytes of name each")
    func compression() throws {
        let owner = "www.example.com"  // 17 bytes in wire form
        let answers = (1...10).map { F.a(owner, "192.0.2.\($0)") }
        let message = Message(header: Header(id: 5, isResponse: true), questions: [Question(name: F.name(owner), type: .a)], answers: answers)
        let bytes = message.encoded()
        let uncompressed = 12 + (17 + 4) + 10 * (17 + 10 + 4)
        #expect(uncompressed == 343)
        #expect(bytes.count == 12 + (17 + 4) + 10 * (2 + 10 + 4))
        #expect(bytes.count < uncompressed * 6 / 10)
        for index in 0..<10 {
            let at = 33 + index * 16
            #expect(Array(bytes[at..<(at + 2)]) == [0xc0, 0x0c], "answer \(index) owner is a pointer to the question")
        }
        let decoded = try F.decode(bytes)
        #expect(decoded == message)
        #expect(decoded.answers.allSatisfy { $0.name.wire == F.wire(owner) })
    }

    /// question www.example.com (offset 12; example.com at 16, com at 24) → CNAME owner C0 0C,
    /// target "web" + C0 10 → A owner points at the target (offset 45).
    @Test("suffixes compress too, inside record data and pointing into record data")
    func suffixCompression() throws {
        let message = Message(
            header: Header(id: 6, isResponse: true),
            questions: [Question(name: F.name("www.example.com"), type: .a)],
            answers: [
                ResourceRecord(name: F.name("www.example.com"), ttl: 300, data: .cname(F.name("web.example.com"))),
                F.a("web.example.com", "192.0.2.80"),
                F.a("example.com", "192.0.2.1"),
                F.a("other.org", "192.0.2.2"),
            ]
        )
        let bytes = message.encoded()
        #expect(Array(bytes[33..<35]) == [0xc0, 0x0c])
        #expect(F.field(bytes, 43) == 6, "CNAME data: 'web' then a pointer")
        #expect(Array(bytes[45..<51]) == [3] + Array("web".utf8) + [0xc0, 0x10])
        #expect(Array(bytes[51..<53]) == [0xc0, 45], "A owner points at the CNAME target")
        #expect(Array(bytes[67..<69]) == [0xc0, 0x10], "example.com alone points into the question")
        #expect(Array(bytes[83..<(83 + 11)]) == F.wire("other.org"), "a new name is written in full")
        #expect(try F.decode(bytes) == message)
    }

    /// Compression ignores case, so answers echo the case of the question (what resolvers
    /// that randomise case, "0x20", check), whatever case the zone stores.
    @Test("compression ignores case: answers carry the question's spelling")
    func compressionEchoesQuestionCase() throws {
        let asked = F.name("WwW.ExAmPlE.CoM")
        let message = Message(header: Header(id: 7, isResponse: true), questions: [Question(name: asked, type: .a)],
                              answers: [F.a("www.example.com", "192.0.2.1")])
        let bytes = message.encoded()
        #expect(Array(bytes[33..<35]) == [0xc0, 0x0c])
        let decoded = try F.decode(bytes)
        #expect(decoded.answers[0].name.wire == asked.wire)
        #expect(decoded.questions[0].name.wire == asked.wire)
    }

    /// RFC 2782: "Name compression is not to be used for this field." Other names may still
    /// point into an SRV target.
    @Test("SRV targets are never compressed")
    func srvTargetNotCompressed() throws {
        let service = "_sip._udp.example.com"  // at 12; example.com at 22
        let message = Message(
            header: Header(id: 8, isResponse: true),
            questions: [Question(name: F.name(service), type: .srv)],
            answers: [
                ResourceRecord(name: F.name(service), ttl: 60, data: .srv(ServiceLocation(priority: 1, weight: 2, port: 5060, target: F.name("example.com")))),
                ResourceRecord(name: F.name(service), ttl: 60, data: .srv(ServiceLocation(priority: 1, weight: 2, port: 5060, target: F.name(service)))),
            ],
            additionals: [F.a("example.com", "192.0.2.7")]
        )
        let bytes = message.encoded()
        let question = 12 + F.wire(service).count + 4  // 39
        // First answer: pointer owner (2) + 8, length at +10, data at +12.
        #expect(Array(bytes[question..<(question + 2)]) == [0xc0, 0x0c])
        #expect(F.field(bytes, question + 10) == 6 + 13)
        let firstTarget = question + 12 + 6
        #expect(Array(bytes[firstTarget..<(firstTarget + 13)]) == F.wire("example.com"))
        let second = firstTarget + 13
        #expect(F.field(bytes, second + 10) == 6 + F.wire(service).count, "even the whole question name is spelt out")
        let decoded = try F.decode(bytes)
        #expect(decoded == message)
        #expect(bytes[bytes.count - 16] & 0xc0 == 0xc0, "the additional owner is still a pointer")
    }

    @Test("names written beyond 16 KiB are not used as pointer targets (pointers have 14 bits)")
    func pointerRange() throws {
        // 80 TXT strings of 255 bytes push everything after them past offset 0x4000.
        let filler = ResourceRecord(name: F.name("fill.test"), ttl: 1, data: .txt(Array(repeating: [UInt8](repeating: 0x41, count: 255), count: 80)))
        let late = F.name("late.example.org")
        let message = Message(
            header: Header(id: 9, isResponse: true),
            answers: [filler, ResourceRecord(name: late, ttl: 1, data: .cname(late)), F.a("late.example.org", "192.0.2.9"), F.a("fill.test", "192.0.2.10")]
        )
        let bytes = message.encoded()
        // fill.test + TXT (11 + 10 + 80 × 256), then late.example.org (18 bytes) spelt out
        // three times, then fill.test as a pointer.
        #expect(bytes.count == 12 + (11 + 10 + 80 * 256) + (18 + 10 + 18) + (18 + 14) + (2 + 14))
        #expect(Array(bytes.suffix(16).prefix(2)) == [0xc0, 0x0c], "an early name is still a pointer target")
        #expect(try F.decode(bytes) == message)
    }

    // MARK: Truncation

    static func manyAnswers(_ count: Int, edns: EDNS? = nil) -> Message {
        let owner = "host.example.com"  // 18 bytes: question 22, each answer 2 + 10 + 4 = 16
        return Message(
            header: Header(id: 10, isResponse: true, recursionDesired: true),
            questions: [Question(name: F.name(owner), type: .a)],
            answers: (0..<count).map { F.a(owner, "10.0.\($0 / 256).\($0 % 256)") },
            edns: edns
        )
    }

    @Test("a response too big for 512 bytes is cut after the last whole answer that fits, with TC")
    func truncation() throws {
        let message = Self.manyAnswers(100)
        let full = message.encoded()
        #expect(full.count == 34 + 100 * 16)
        #expect(full[2] & 0x02 == 0, "no TC when everything fits")

        let bytes = message.encoded(limit: 512)
        #expect(bytes.count <= 512)
        #expect(bytes.count == 34 + 29 * 16, "(512 − 34) / 16 = 29 whole answers")
        #expect(bytes[2] & 0x02 != 0, "TC")
        #expect(F.field(bytes, 6) == 29, "ANCOUNT says what is there")
        let decoded = try F.decode(bytes)
        #expect(decoded.header.truncated)
        #expect(decoded.answers == Array(message.answers.prefix(29)))
        #expect(decoded.questions == message.questions)
        // The limit is clamped to 512…65 535.
        #expect(message.encoded(limit: 100) == bytes)
        #expect(message.encoded(limit: 0) == bytes)
        #expect(message.encoded(limit: 1_000_000) == full)
        #expect(message.encoded(limit: full.count) == full)
        #expect(message.encoded(limit: full.count - 1).count == full.count - 16)
    }

    @Test("truncation keeps the OPT record: room for it is reserved first")
    func truncationKeepsOPT() throws {
        let edns = EDNS(payloadSize: 1232, dnssecOK: true, options: [F.cookie])  // 11 + 12 = 23 bytes
        let message = Self.manyAnswers(100, edns: edns)
        let bytes = message.encoded(limit: 512)
        #expect(bytes.count == 34 + 28 * 16 + 23, "(512 − 23 − 34) / 16 = 28 answers")
        #expect(bytes.count <= 512)
        #expect(F.field(bytes, 10) == 1)
        let decoded = try F.decode(bytes)
        #expect(decoded.header.truncated)
        #expect(decoded.edns == edns)
        #expect(decoded.answers == Array(message.answers.prefix(28)))

        let larger = message.encoded(limit: Int(edns.payloadSize))
        #expect(larger.count <= 1232)
        #expect(try F.decode(larger).answers.count == (1232 - 23 - 34) / 16)

        // With BADVERS the high rcode bits are in the OPT record that is kept.
        var bad = message
        bad.responseCode = .badVersion
        #expect(try F.decode(bad.encoded(limit: 512)).responseCode == .badVersion)
    }

    @Test("cut in the answer or authority section: TC, and nothing of the later sections")
    func truncationInAuthority() throws {
        let zone = F.name("example.com")
        var message = Self.manyAnswers(5)
        message.authorities = (0..<60).map { ResourceRecord(name: zone, ttl: 60, data: .ns(F.name("ns\($0).example.com"))) }
        message.additionals = [F.a("ns0.example.com", "192.0.2.53")]
        let bytes = message.encoded(limit: 512)
        #expect(bytes.count <= 512)
        let decoded = try F.decode(bytes)
        #expect(decoded.header.truncated)
        #expect(decoded.answers == message.answers)
        #expect(!decoded.authorities.isEmpty && decoded.authorities.count < 60)
        #expect(decoded.authorities == Array(message.authorities.prefix(decoded.authorities.count)))
        #expect(decoded.additionals.isEmpty, "nothing after the cut")

        // Cut in the answers: no authority or additional records at all.
        var big = Self.manyAnswers(100)
        big.authorities = [ResourceRecord(name: zone, ttl: 60, data: .ns(F.name("ns.example.com")))]
        big.additionals = [F.a("ns.example.com", "192.0.2.53")]
        let cut = try F.decode(big.encoded(limit: 512))
        #expect(cut.header.truncated && cut.authorities.isEmpty && cut.additionals.isEmpty)
    }

    @Test("additional records that do not fit are left out without TC")
    func additionalOverflow() throws {
        let edns = EDNS(options: [F.cookie])
        var message = Self.manyAnswers(5, edns: edns)
        message.additionals = (0..<60).map { F.a("glue\($0).example.com", "192.0.2.\($0)") }
        let bytes = message.encoded(limit: 512)
        #expect(bytes.count <= 512)
        #expect(bytes[2] & 0x02 == 0, "no TC")
        let decoded = try F.decode(bytes)
        #expect(!decoded.header.truncated)
        #expect(decoded.answers == message.answers)
        #expect(!decoded.additionals.isEmpty && decoded.additionals.count < 60)
        #expect(decoded.additionals == Array(message.additionals.prefix(decoded.additionals.count)))
        #expect(decoded.edns == edns)
        #expect(F.field(bytes, 10) == decoded.additionals.count + 1)
    }

    @Test("a TC flag already set is kept")
    func truncatedFlagKept() throws {
        var message = Self.manyAnswers(1)
        message.header.truncated = true
        #expect(try F.decode(message.encoded()).header.truncated)
    }

    // MARK: Real-world bytes

    /// Captured from `dig @127.0.0.1 -p 5399 example.com` (DiG 9.18): RD and AD set, EDNS
    /// payload 1232 with a client cookie.
    static let digQuery = F.bytes("""
        1d3a 0120 0001 0000 0000 0001
        07 6578616d706c65 03 636f6d 00 0001 0001
        00 0029 04d0 00 00 0000 000c 000a 0008 9bf9132af6ccebd9
        """)

    @Test("a query exactly as dig sends it decodes, and re-encodes to the same bytes")
    func digQuery() throws {
        let message = try F.decode(Self.digQuery)
        #expect(message.header.id == 0x1d3a)
        #expect(!message.header.isResponse)
        #expect(message.header.opcode == 0)
        #expect(message.header.recursionDesired)
        #expect(message.header.authenticData)
        #expect(!message.header.checkingDisabled && !message.header.truncated && !message.header.authoritative)
        #expect(message.questions == [Question(name: F.name("example.com"), type: .a, recordClass: .internet)])
        #expect(message.answers.isEmpty && message.authorities.isEmpty && message.additionals.isEmpty)
        let edns = try #require(message.edns)
        #expect(edns.payloadSize == 1232)
        #expect(edns.version == 0 && edns.extendedRcode == 0 && !edns.dnssecOK)
        #expect(edns.options == [F.cookie])
        #expect(message.responseCode == .noError)
        #expect(message.encoded() == Self.digQuery)
    }

    /// A response laid out the way BIND and Unbound write it (owners as C0 0C).
    @Test("a compressed response to that query decodes, and re-encodes to the same bytes")
    func typicalResponse() throws {
        let bytes = F.bytes("""
            1d3a 81a0 0001 0002 0000 0001
            07 6578616d706c65 03 636f6d 00 0001 0001
            c00c 0001 0001 00000e10 0004 5db8d822
            c00c 0001 0001 00000e10 0004 5db8d823
            00 0029 04d0 00 00 0000 0000
            """)
        let message = try F.decode(bytes)
        #expect(message.header.isResponse && message.header.recursionDesired && message.header.recursionAvailable && message.header.authenticData)
        #expect(message.answers == [F.a("example.com", "93.184.216.34", ttl: 3600), F.a("example.com", "93.184.216.35", ttl: 3600)])
        #expect(message.edns == EDNS(payloadSize: 1232))
        #expect(message.encoded() == bytes)
    }

    // MARK: Properties

    /// Random valid messages, built from a script of integers.
    static let scripts = Gen.int(in: 0...Int(UInt32.max)).array(of: 1...120)

    @Test("random valid messages round-trip, and any limit cuts them after whole records")
    func randomMessagesRoundTrip() async {
        await propertyCheck(count: 300, input: Self.scripts) { script in
            var builder = MessageScript(script)
            let message = builder.message()
            let bytes = message.encoded()
            let decoded = try F.decode(bytes)
            #expect(decoded == message)
            #expect(decoded.encoded() == bytes, "equal messages encode to the same bytes")

            let limit = 512 + builder.next(1000)
            try Self.checkCut(message, limit: limit)
            try Self.checkCut(message, limit: 512)
        }
    }

    /// `message.encoded(limit:)` fits, decodes, keeps questions and OPT, keeps a prefix of
    /// each section, sets TC exactly when the answer or authority section was cut, and keeps
    /// as many records as fit (one more would not).
    static func checkCut(_ message: Message, limit: Int) throws {
        let bytes = message.encoded(limit: limit)
        #expect(bytes.count <= limit)
        let decoded = try F.decode(bytes)
        #expect(decoded.questions == message.questions)
        #expect(decoded.edns == message.edns)
        let sections = [(message.answers, decoded.answers), (message.authorities, decoded.authorities), (message.additionals, decoded.additionals)]
        for (original, kept) in sections { #expect(kept == Array(original.prefix(kept.count))) }
        guard let cut = sections.firstIndex(where: { $0.1.count < $0.0.count }) else {
            #expect(decoded.header.truncated == message.header.truncated)
            #expect(bytes == message.encoded())
            return
        }
        for later in sections[(cut + 1)...] { #expect(later.1.isEmpty, "nothing after the cut") }
        #expect(decoded.header.truncated == (cut < 2 || message.header.truncated))
        // One more record of the cut section would not have fitted.
        var oneMore = decoded
        oneMore.header = message.header
        switch cut {
        case 0: oneMore.answers = Array(message.answers.prefix(decoded.answers.count + 1))
        case 1: oneMore.authorities = Array(message.authorities.prefix(decoded.authorities.count + 1))
        default: oneMore.additionals = Array(message.additionals.prefix(decoded.additionals.count + 1))
        }
        #expect(oneMore.encoded().count > limit)
    }
}

/// Builds a message from a script of non-negative integers (cycled), so PropertyBased can
/// generate and shrink it. Names come from a small pool of labels, so they share suffixes and
/// compress; the pool includes mixed case and bytes that need escaping.
struct MessageScript {
    let values: [Int]
    var index = 0

    init(_ values: [Int]) { self.values = values.isEmpty ? [0] : values }

    mutating func next(_ bound: Int) -> Int {
        defer { index += 1 }
        return values[index % values.count] % bound
    }

    mutating func bool() -> Bool { next(2) == 1 }

    static let labels: [[UInt8]] = [
        "www", "WWW", "mail", "example", "Example", "com", "org", "lashup", "_tcp", "_http", "a", "b-1",
        String(repeating: "z", count: 20),
    ].map { Array($0.utf8) } + [[0x2e], [0x5c, 0x00, 0xff], [0x20]]

    mutating func name() -> DomainName {
        let count = next(5)
        return try! DomainName(labels: (0..<count).map { _ in Self.labels[next(Self.labels.count)] })
    }

    mutating func bytes(_ maximum: Int) -> [UInt8] { (0..<next(maximum + 1)).map { _ in UInt8(next(256)) } }

    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: next(Int(UInt32.max) + 1)) }
    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: next(65536)) }

    /// Types the decoder does not interpret (so `.unknown` decodes as `.unknown`).
    static let opaqueTypes: [UInt16] = [0, 15, 99, 255, 256, 65280, 65535]

    mutating func data() -> RecordData {
        switch next(11) {
        case 0: .a(.v4(u32()))
        case 1: .aaaa(.v6(high: UInt64(u32()) << 32 | UInt64(u32()), low: UInt64(u32())))
        case 2: .cname(name())
        case 3: .ns(name())
        case 4: .ptr(name())
        case 5: .soa(StartOfAuthority(primary: name(), mailbox: name(), serial: u32(), refresh: u32(), retry: u32(), expire: u32(), minimum: u32()))
        case 6: .srv(ServiceLocation(priority: u16(), weight: u16(), port: u16(), target: name()))
        case 7: .txt((0..<next(4)).map { _ in bytes(40) })
        case 8: .txt([[UInt8](repeating: UInt8(next(256)), count: next(256))])
        default: .unknown(type: RecordType(rawValue: Self.opaqueTypes[next(Self.opaqueTypes.count)]), bytes: bytes(30))
        }
    }

    mutating func record() -> ResourceRecord {
        let classes: [RecordClass] = [.internet, .internet, .internet, RecordClass(rawValue: 3), .any]
        return ResourceRecord(name: name(), recordClass: classes[next(classes.count)], ttl: u32(), data: data())
    }

    mutating func message() -> Message {
        let header = Header(id: u16(), flags: u16())
        let questions = (0..<next(3)).map { _ in Question(name: name(), type: RecordType(rawValue: u16()), recordClass: RecordClass(rawValue: u16())) }
        let answers = (0..<next(12)).map { _ in record() }
        let authorities = (0..<next(6)).map { _ in record() }
        let additionals = (0..<next(6)).map { _ in record() }
        var edns: EDNS?
        if bool() {
            edns = EDNS(payloadSize: u16(), extendedRcode: UInt8(next(256)), version: UInt8(next(256)), dnssecOK: bool(),
                        options: (0..<next(3)).map { _ in EDNSOption(code: u16(), data: bytes(16)) })
        }
        return Message(header: header, questions: questions, answers: answers, authorities: authorities, additionals: additionals, edns: edns)
    }
}
