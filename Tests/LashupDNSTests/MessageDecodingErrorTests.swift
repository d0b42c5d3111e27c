import LashupCRDT
import LashupDNS
import LashupTestSupport
import PropertyBased
import Testing

/// Hostile and broken input: every malformation is a `DNSError` naming the problem, never a
/// trap, and whatever decodes re-encodes to an equal message.
@Suite("DNS message decoding errors", .onDedicatedThread)
struct MessageDecodingErrorTests {
    typealias F = DNSFixture

    enum Kind: Equatable {
        case truncated, invalidName, malformed, invalidRecord

        init(_ error: DNSError) {
            switch error {
            case .truncated: self = .truncated
            case .invalidName: self = .invalidName
            case .malformed: self = .malformed
            case .invalidRecord: self = .invalidRecord
            }
        }
    }

    /// Expects `bytes` to be refused with an error of `kind`.
    static func expectRefused(_ bytes: [UInt8], _ kind: Kind, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let message = try Message(decoding: bytes)
            Issue.record("decoded \(message); \(comment?.description ?? "")", sourceLocation: sourceLocation)
        } catch {
            #expect(Kind(error) == kind, "\(error); \(comment?.description ?? "")", sourceLocation: sourceLocation)
            #expect(!error.description.isEmpty, sourceLocation: sourceLocation)
        }
    }

    /// A record as bytes: owner (wire), type, class IN, TTL 60, data with its length.
    static func record(_ owner: [UInt8], type: Int, class recordClass: Int = 1, ttl: UInt32 = 60, data: [UInt8]) -> [UInt8] {
        owner + F.u16(type) + F.u16(recordClass) + F.u32(ttl) + F.u16(data.count) + data
    }

    static let question = F.wire("example.com") + F.u16(1) + F.u16(1)  // 17 bytes, at 12

    // MARK: Header and counts

    @Test("a header shorter than 12 bytes is truncated")
    func shortHeader() throws {
        let header = F.header(qd: 0)
        for cut in 0..<12 { Self.expectRefused(Array(header.prefix(cut)), .truncated, "\(cut) bytes") }
        #expect(try Message(decoding: header) == Message(header: Header(id: 0x1234)), "12 bytes with no entries is a message")
    }

    @Test("counts larger than the data are refused before anything is read")
    func countsTooLarge() {
        Self.expectRefused(F.header(qd: 1), .truncated, "a question, no bytes")
        Self.expectRefused(F.header(an: 1) + [UInt8](repeating: 0, count: 10), .truncated, "a record needs 11 bytes")
        Self.expectRefused(F.header(qd: 0xffff, an: 0xffff, ns: 0xffff, ar: 0xffff) + Self.question, .truncated, "all counts at maximum")
        Self.expectRefused(F.header(qd: 2) + Self.question, .truncated, "one question of two")
        // Enough bytes for the announced minimum, but a record's data runs past the end.
        Self.expectRefused(F.header(an: 1) + [0] + F.u16(1) + F.u16(1) + F.u32(1) + F.u16(4) + [1, 2], .truncated, "A data cut short")
        Self.expectRefused(F.header(an: 1) + [0] + F.u16(99) + F.u16(1) + F.u32(1) + F.u16(400) + [UInt8](repeating: 0, count: 20), .truncated)
    }

    @Test("every proper prefix of a valid message is refused")
    func everyPrefix() throws {
        let message = Message(
            header: Header(id: 1, isResponse: true),
            questions: [Question(name: F.name("www.example.com"), type: .any)],
            answers: [
                ResourceRecord(name: F.name("www.example.com"), ttl: 1, data: .cname(F.name("web.example.com"))),
                F.a("web.example.com", "192.0.2.1"),
                ResourceRecord(name: F.name("web.example.com"), ttl: 1, data: .aaaa(IPAddress("2001:db8::1")!)),
                ResourceRecord(name: F.name("web.example.com"), ttl: 1, data: .txt([[1, 2], []])),
                ResourceRecord(name: F.name("_x._tcp.example.com"), ttl: 1, data: .srv(ServiceLocation(priority: 1, weight: 1, port: 1, target: F.name("web.example.com")))),
            ],
            authorities: [ResourceRecord(name: F.name("example.com"), ttl: 1, data: .soa(StartOfAuthority(
                primary: F.name("ns.example.com"), mailbox: F.name("root.example.com"), serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5)))],
            additionals: [ResourceRecord(name: F.name("ns.example.com"), ttl: 1, data: .unknown(type: RecordType(rawValue: 99), bytes: [9, 9]))],
            edns: EDNS(options: [F.cookie])
        )
        let bytes = message.encoded()
        #expect(try Message(decoding: bytes) == message)
        for cut in 0..<bytes.count {
            #expect(throws: DNSError.self, "\(cut) of \(bytes.count) bytes") { try Message(decoding: Array(bytes.prefix(cut))) }
        }
    }

    @Test("bytes after the last record are refused")
    func trailingBytes() {
        let query = F.header(qd: 1) + Self.question
        #expect(throws: Never.self) { try Message(decoding: query) }
        Self.expectRefused(query + [0], .malformed)
        Self.expectRefused(MessageCodecTests.digQuery + [0, 0, 0, 0], .malformed)
    }

    @Test("a message longer than 65 535 bytes is refused")
    func tooLong() {
        Self.expectRefused(F.header() + [UInt8](repeating: 0, count: 65_535 - 11), .malformed)
    }

    // MARK: Names

    @Test("a name running past the end of the message")
    func nameRunsPastEnd() {
        Self.expectRefused(F.header(qd: 1) + [32, 0x61, 0x62, 0x63, 0x64], .truncated, "label longer than the rest")
        Self.expectRefused(F.header(qd: 1) + [3, 0x61, 0x62, 0x63, 3, 0x64, 0x65, 0x66], .truncated, "no root label")
        Self.expectRefused(F.header(qd: 1) + [1, 0x61, 0, 0, 1], .truncated, "question type cut short")
        Self.expectRefused(F.header(qd: 1) + [3, 0x61, 0x61, 0x61, 0xc0], .truncated, "pointer's second byte missing")
    }

    @Test("a compression pointer to itself or forwards is refused (no loops)")
    func pointerLoops() {
        Self.expectRefused(F.header(qd: 1) + [0xc0, 12, 0, 1, 0, 1], .malformed, "pointer to itself")
        Self.expectRefused(F.header(qd: 1) + [0xc0, 13, 0, 1, 0, 1], .malformed, "pointer into itself")
        Self.expectRefused(F.header(qd: 1) + [0xc0, 18, 0, 1, 0, 1, 0], .malformed, "pointer forwards")
        Self.expectRefused(F.header(qd: 1) + [1, 0x61, 0xc0, 12, 0, 1, 0, 1], .malformed, "labels, then a pointer back to the name's own start")
        Self.expectRefused(F.header(qd: 1) + [0xff, 0xff, 0, 1, 0, 1], .malformed, "pointer to 0x3fff")

        // Opaque record data at 23 holds a pointer to itself: a name pointing there loops.
        // Header 12, then a record owned by the root: 1 + 10 bytes, data at 23.
        let selfLoop = F.header(an: 2) + Self.record([0], type: 99, data: [0xc0, 23]) + Self.record([0xc0, 23], type: 1, data: [1, 2, 3, 4])
        Self.expectRefused(selfLoop, .malformed, "pointer to a pointer to itself")
        // Two pointers at 23 and 25 pointing at each other.
        let twoCycle = F.header(an: 2) + Self.record([0], type: 99, data: [0xc0, 25, 0xc0, 23]) + Self.record([0xc0, 25], type: 1, data: [1, 2, 3, 4])
        Self.expectRefused(twoCycle, .malformed, "two pointers in a cycle")
        // The same record data, reached by a pointer to a plain name instead, is fine.
        let fine = F.header(an: 2) + Self.record([0], type: 99, data: [1, 0x61, 0]) + Self.record([0xc0, 23], type: 1, data: [1, 2, 3, 4])
        #expect((try? Message(decoding: fine))?.answers.last?.name == F.name("a"))
    }

    /// q1 = 63 × a (at 12), q2 = 63 × b + → q1 (at 81), q3 = 63 × c + → q2 (at 151),
    /// q4 = 63 × d + → q3 (at 221): 4 × 64 + 1 = 257 bytes.
    @Test("a chain of pointers may not assemble a name longer than 255 bytes")
    func pointerChainTooLong() throws {
        func label(_ byte: UInt8) -> [UInt8] { [63] + [UInt8](repeating: byte, count: 63) }
        let type = F.u16(1) + F.u16(1)
        let q1 = label(0x61) + [0] + type
        let q2 = label(0x62) + [0xc0, 12] + type
        let q3 = label(0x63) + [0xc0, 81] + type
        let q4 = label(0x64) + [0xc0, 151] + type
        let three = try Message(decoding: F.header(qd: 3) + q1 + q2 + q3)
        #expect(three.questions[2].name.wire.count == 3 * 64 + 1)
        Self.expectRefused(F.header(qd: 4) + q1 + q2 + q3 + q4, .invalidName)
        // Without pointers too: 4 × 64 + root.
        Self.expectRefused(F.header(qd: 1) + label(0x61) + label(0x62) + label(0x63) + label(0x64) + [0] + type, .invalidName)
        // 255 exactly is allowed: 3 × 64 + 62 + 1.
        let longest = label(0x61) + label(0x62) + label(0x63) + [61] + [UInt8](repeating: 0x65, count: 61) + [0] + type
        #expect(try Message(decoding: F.header(qd: 1) + longest).questions[0].name.wire.count == 255)
    }

    @Test("label types 0x40 and 0x80 (extended and reserved) are refused")
    func labelTypes() {
        Self.expectRefused(F.header(qd: 1) + [0x41, 0x61, 0, 0, 1, 0, 1], .malformed, "0x40")
        Self.expectRefused(F.header(qd: 1) + [0x80, 0, 0, 1, 0, 1], .malformed, "0x80")
        Self.expectRefused(F.header(qd: 1) + [1, 0x61, 0xbf, 0, 0, 1, 0, 1], .malformed, "0x80 after a label")
    }

    // MARK: Record data

    @Test("A data must be 4 bytes and AAAA data 16")
    func addressLengths() {
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 1, data: [1, 2, 3, 4, 5]), .malformed, "A, 5 bytes")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 1, data: [1, 2, 3]), .malformed, "A, 3 bytes")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 28, data: [1, 2, 3, 4]), .malformed, "AAAA, 4 bytes")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 28, data: [UInt8](repeating: 0, count: 17)), .malformed, "AAAA, 17 bytes")
    }

    @Test("a TXT string may not run past its record")
    func txtOverrun() {
        let overrun = Self.record([0], type: 16, data: [5, 0x61, 0x62])
        // Followed by another record, so the bytes exist but belong to it.
        Self.expectRefused(F.header(an: 2) + overrun + Self.record([0], type: 1, data: [1, 2, 3, 4]), .malformed)
        Self.expectRefused(F.header(an: 1) + overrun, .malformed)
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 16, data: [2, 0x61, 0x62, 1]), .malformed, "second string cut short")
    }

    @Test("names in record data must end inside it, and fill it exactly")
    func namesInRecordData() {
        let name = F.wire("host.test")  // 11 bytes
        let next = Self.record([0], type: 1, data: [1, 2, 3, 4])
        Self.expectRefused(F.header(an: 2) + [0] + F.u16(5) + F.u16(1) + F.u32(1) + F.u16(4) + name + next, .malformed, "CNAME name past its data")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 5, data: name + [0]), .malformed, "a byte after the CNAME name")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 2, data: [0x40]), .malformed, "NS with a bad label type")
        Self.expectRefused(F.header(an: 2) + Self.record([0], type: 12, data: []) + next, .malformed, "PTR with no data")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 12, data: []), .truncated, "PTR with no data, at the end")
    }

    @Test("SOA and SRV data of the wrong length")
    func fixedFields() {
        let names = F.wire("ns.test") + F.wire("root.test")
        let counters = [UInt8](repeating: 1, count: 20)
        #expect(throws: Never.self) { try Message(decoding: F.header(an: 1) + Self.record([0], type: 6, data: names + counters)) }
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 6, data: names + counters + [0]), .malformed, "SOA, a byte too many")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 6, data: names + counters.dropLast()), .malformed, "SOA, a byte short")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 33, data: [0, 1, 0, 1, 0, 1]), .malformed, "SRV without target")
        Self.expectRefused(F.header(an: 1) + Self.record([0], type: 33, data: [0, 1, 0, 1, 0, 1, 0, 0]), .malformed, "SRV, a byte too many")
        #expect(throws: Never.self) { try Message(decoding: F.header(an: 1) + Self.record([0], type: 33, data: [0, 1, 0, 1, 0, 1, 0])) }
    }

    // MARK: OPT

    static let opt = Self.record([0], type: 41, class: 1232, ttl: 0, data: [])

    @Test("OPT: owned by the root, once, in the additional section only")
    func optPlacement() throws {
        #expect(try Message(decoding: F.header(ar: 1) + Self.opt).edns == EDNS(payloadSize: 1232))
        Self.expectRefused(F.header(ar: 1) + Self.record(F.wire("x"), type: 41, class: 1232, ttl: 0, data: []), .malformed, "not the root")
        Self.expectRefused(F.header(ar: 2) + Self.opt + Self.opt, .malformed, "two OPT records")
        Self.expectRefused(F.header(ar: 3) + Self.opt + Self.record([0], type: 1, data: [1, 2, 3, 4]) + Self.opt, .malformed, "two, apart")
        Self.expectRefused(F.header(an: 1) + Self.opt, .malformed, "in the answer section")
        Self.expectRefused(F.header(ns: 1) + Self.opt, .malformed, "in the authority section")
    }

    @Test("OPT options must fit their record")
    func optOptions() {
        let option = F.u16(10) + F.u16(8) + [UInt8](repeating: 7, count: 8)
        let good = Self.record([0], type: 41, class: 512, ttl: 0, data: option)
        #expect((try? Message(decoding: F.header(ar: 1) + good))?.edns?.options.first?.data.count == 8)
        let long = Self.record([0], type: 41, class: 512, ttl: 0, data: F.u16(10) + F.u16(9) + [UInt8](repeating: 7, count: 8))
        Self.expectRefused(F.header(ar: 1) + long, .malformed, "option longer than the record, at the end")
        Self.expectRefused(F.header(ar: 2) + long + Self.record([0], type: 1, data: [1, 2, 3, 4]), .malformed, "option longer than the record")
        // Option header cut by the record's end (2 of its 4 bytes), more records after.
        let cutHeader = Self.record([0], type: 41, class: 512, ttl: 0, data: F.u16(10))
        Self.expectRefused(F.header(ar: 2) + cutHeader + Self.record([0], type: 1, data: [1, 2, 3, 4]), .malformed, "option header past the record")
        Self.expectRefused(F.header(ar: 1) + cutHeader, .truncated)
    }

    // MARK: Robustness properties

    /// Anything that decodes re-encodes (no truncation at 65 535) to bytes that decode to an
    /// equal message, and encoding that gives the same bytes again.
    static func checkReencodes(_ bytes: [UInt8]) throws {
        let message: Message
        do { message = try Message(decoding: bytes) } catch { return }
        let encoded = message.encoded(limit: Message.maximumLength)
        let again = try Message(decoding: encoded)
        #expect(again == message, "input \(bytes)")
        #expect(again.header.truncated == message.header.truncated)
        #expect(again.encoded(limit: Message.maximumLength) == encoded)
    }

    @Test("random bytes never trap the decoder")
    func randomBytes() async {
        await propertyCheck(count: 2000, input: Gen.uint8(in: 0...255).array(of: 0...120)) { bytes in
            try Self.checkReencodes(bytes)
        }
    }

    /// A header announcing few entries, then random bytes: far more of these get past the
    /// counts check and exercise names, pointers and record data.
    @Test("random bodies behind plausible headers never trap the decoder")
    func randomBodies() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 0...3).array(of: 4), Gen.uint8(in: 0...255).array(of: 0...160)) { counts, body in
            try Self.checkReencodes(F.header(flags: 0x8180, qd: counts[0], an: counts[1], ns: counts[2], ar: counts[3]) + body)
        }
    }

    static func seeds() -> [[UInt8]] {
        let srv = Message(
            header: Header(id: 2, isResponse: true, authoritative: true),
            questions: [Question(name: F.name("_sip._udp.Example.com"), type: .srv)],
            answers: [ResourceRecord(name: F.name("_sip._udp.example.com"), ttl: 5, data: .srv(ServiceLocation(priority: 1, weight: 2, port: 3, target: F.name("sip.example.com"))))],
            authorities: [ResourceRecord(name: F.name("example.com"), ttl: 5, data: .soa(StartOfAuthority(
                primary: F.name("ns.example.com"), mailbox: F.name("hostmaster.example.com"), serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5)))],
            additionals: [F.a("sip.example.com", "192.0.2.5"), ResourceRecord(name: F.name("sip.example.com"), ttl: 5, data: .txt([[0x41], []]))],
            edns: EDNS(payloadSize: 4096, dnssecOK: true, options: [F.cookie])
        )
        let cname = Message(
            header: Header(id: 3, isResponse: true, recursionDesired: true, recursionAvailable: true),
            questions: [Question(name: F.name("www.example.com"), type: .aaaa)],
            answers: [
                ResourceRecord(name: F.name("www.example.com"), ttl: 5, data: .cname(F.name("web.example.com"))),
                ResourceRecord(name: F.name("web.example.com"), ttl: 5, data: .aaaa(IPAddress("2001:db8::5")!)),
                ResourceRecord(name: F.name("5.2.0.192.in-addr.arpa"), ttl: 5, data: .ptr(F.name("web.example.com"))),
                ResourceRecord(name: F.name("example.com"), ttl: 5, data: .ns(F.name("ns.example.com"))),
                ResourceRecord(name: F.name("example.com"), ttl: 5, data: .unknown(type: RecordType(rawValue: 15), bytes: [0, 1, 0xc0, 12])),
            ]
        )
        return [MessageCodecTests.digQuery, srv.encoded(), cname.encoded()]
    }

    /// Valid messages with bytes overwritten, cut or extended: most stay decodable, or fail
    /// deep inside a name or a record.
    @Test("mutated valid messages never trap the decoder, and re-encode when they decode")
    func mutatedMessages() async {
        let seeds = Self.seeds()
        await propertyCheck(count: 3000, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 1...12)) { script in
            var bytes = seeds[script[0] % seeds.count]
            for pair in stride(from: 1, to: script.count - 1, by: 2) {
                bytes[script[pair] % bytes.count] = UInt8(script[pair + 1] % 256)
            }
            switch script.last! % 8 {
            case 0: bytes.removeLast(script.last! % bytes.count)
            case 1: bytes.append(UInt8(script.last! % 256))
            default: break
            }
            try Self.checkReencodes(bytes)
        }
    }

    /// Every byte of each seed set to values that matter to the parser (pointer and label-type
    /// bits, lengths, case): deterministic and exhaustive over positions.
    @Test("every single-byte change to a valid message is decoded or refused, never a trap")
    func singleByteChanges() throws {
        var decoded = 0, refused = 0
        for seed in Self.seeds() {
            for position in seed.indices {
                for value in Set<UInt8>([0, 1, 2, 4, 11, 12, 0x3f, 0x40, 0x41, 0x80, 0xc0, 0xff, seed[position] ^ 0x20, seed[position] &+ 1, seed[position] &- 1]) {
                    var bytes = seed
                    bytes[position] = value
                    if (try? Message(decoding: bytes)) != nil { decoded += 1 } else { refused += 1 }
                    try Self.checkReencodes(bytes)
                }
            }
        }
        #expect(decoded > 1000 && refused > 1000, "decoded \(decoded), refused \(refused)")
    }
}
