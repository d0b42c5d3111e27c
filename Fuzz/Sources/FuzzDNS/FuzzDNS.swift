// libFuzzer target: the DNS message codec (LashupDNS).
//
// The input is one DNS message as a client, an upstream server or a TCP peer (after the
// length prefix) would send it; it is decoded with `Message(decoding:)`. Decode errors are
// expected; a trap is a bug. A message that decodes must re-encode (limit 65 535) to bytes
// that decode to an equal message, and encoding that again must give the same bytes;
// otherwise the target traps. It is also encoded at a limit taken from its id (512–4 607
// bytes, as a UDP answer would be): the result must fit, decode, keep the questions and the
// OPT record, keep a prefix of each section ending with the last record that fitted, and
// set TC exactly when an answer or authority record was left out. Every decoded name must
// satisfy the `DomainName` operations' laws (suffixes, subdomains, presentation form).
//
// Not crashes, printed once as "fuzz-note:" lines on stderr: inputs that are not the
// encoding of their message (other compression, the Z bits, upper case behind a pointer),
// messages whose questions and OPT record alone exceed the limit, and messages that need
// more than 65 535 bytes once re-encoded (the encoder cannot compress into record data).
//
// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -parse-as-library`.
// `LASHUP_FUZZ_SEEDS=<dir> FuzzDNS` writes seed inputs to <dir> and exits.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FuzzSupport
import LashupCRDT
import LashupDNS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    let message: Message
    do { message = try Message(decoding: input) } catch { return 0 }

    // Whole: nothing may be lost, unless the message no longer fits in 65 535 bytes.
    let whole = encodeChecked(message, limit: Message.maximumLength, input: input)
    if whole.cut {
        note("over-65535", "Message", "re-encoding needs more than 65 535 bytes (\(input.count) on input); records cut; input \(hex(input.prefix(512)))…")
    } else {
        if whole.decoded != message {
            fatalError("round trip changed the message: \(message) -> \(whole.decoded); input \(hex(input))")
        }
        if whole.bytes != input {
            note("non-canonical", "Message", "accepted an input that is not the encoding of its message; input \(hex(input)), canonical \(hex(whole.bytes))")
        }
    }

    // As a UDP answer of some size.
    _ = encodeChecked(message, limit: 512 + Int(message.header.id) % 4096, input: input)

    for name in names(in: message) { checkName(name, input: input) }
    return 0
}

/// Encodes `message` at `limit` and checks the result (see the file comment); returns the
/// bytes, what they decode to, and whether records were left out.
private func encodeChecked(_ message: Message, limit: Int, input: [UInt8]) -> (bytes: [UInt8], decoded: Message, cut: Bool) {
    let bytes = message.encoded(limit: limit)
    let decoded: Message
    do { decoded = try Message(decoding: bytes) } catch {
        fatalError("encoding at limit \(limit) does not decode: \(error); input \(hex(input)), encoded \(hex(bytes))")
    }
    let fixed = Message(header: message.header, questions: message.questions, edns: message.edns).encoded(limit: Message.maximumLength).count
    if bytes.count > limit {
        if fixed <= limit {
            fatalError("encoding at limit \(limit) is \(bytes.count) bytes; input \(hex(input))")
        }
        note("fixed-part-over-limit", "Message", "questions and OPT alone take \(fixed) bytes, over the limit \(limit); input \(hex(input.prefix(512)))…")
    }
    if decoded.questions != message.questions || decoded.edns != message.edns {
        fatalError("encoding at limit \(limit) lost a question or the OPT record; input \(hex(input))")
    }
    if decoded.encoded(limit: limit) != bytes {
        fatalError("encoding at limit \(limit) is not stable: the decoded message encodes differently; input \(hex(input))")
    }

    let sections = [(message.answers, decoded.answers), (message.authorities, decoded.authorities), (message.additionals, decoded.additionals)]
    for (index, (original, kept)) in sections.enumerated() where kept != Array(original.prefix(kept.count)) {
        fatalError("encoding at limit \(limit): section \(index) is not a prefix of the original; input \(hex(input))")
    }
    guard let cut = sections.firstIndex(where: { $0.1.count < $0.0.count }) else {
        if decoded.header != message.header {
            fatalError("encoding at limit \(limit) changed the header with nothing cut; input \(hex(input))")
        }
        return (bytes, decoded, false)
    }
    if sections[(cut + 1)...].contains(where: { !$0.1.isEmpty }) {
        fatalError("encoding at limit \(limit) kept records after the cut in section \(cut); input \(hex(input))")
    }
    if decoded.header.truncated != (cut < 2 || message.header.truncated) {
        fatalError("encoding at limit \(limit): TC is \(decoded.header.truncated) with the cut in section \(cut); input \(hex(input))")
    }
    // One more record of the cut section must not have fitted.
    var oneMore = decoded
    oneMore.header = message.header
    switch cut {
    case 0: oneMore.answers = Array(message.answers.prefix(decoded.answers.count + 1))
    case 1: oneMore.authorities = Array(message.authorities.prefix(decoded.authorities.count + 1))
    default: oneMore.additionals = Array(message.additionals.prefix(decoded.additionals.count + 1))
    }
    let oneMoreBytes = oneMore.encoded(limit: Message.maximumLength)
    if fixed <= limit, oneMoreBytes.count <= limit, (try? Message(decoding: oneMoreBytes)) == oneMore {
        fatalError("encoding at limit \(limit) left out a record of section \(cut) that fitted; input \(hex(input))")
    }
    return (bytes, decoded, true)
}

/// Every name in the message: owners, questions, and names inside record data.
private func names(in message: Message) -> [DomainName] {
    var names = message.questions.map(\.name)
    for record in message.answers + message.authorities + message.additionals {
        names.append(record.name)
        switch record.data {
        case let .cname(name), let .ns(name), let .ptr(name): names.append(name)
        case let .soa(soa): names += [soa.primary, soa.mailbox]
        case let .srv(srv): names.append(srv.target)
        default: break
        }
    }
    return names
}

/// The `DomainName` operations on a name from the wire.
private func checkName(_ name: DomainName, input: [UInt8]) {
    func fail(_ what: String) -> Never { fatalError("\(what) for name \(hex(name.wire)); input \(hex(input))") }
    let count = name.labelCount
    if name.wire.count > DomainName.maximumWireLength || name.wire.last != 0 { fail("decoded name is not a valid wire name") }
    if name.labels.count != count || name.labels.contains(where: { $0.isEmpty || $0.count > DomainName.maximumLabelLength }) { fail("bad labels") }
    if (try? DomainName(labels: name.labels.map { Array($0) }))?.wire != name.wire { fail("labels do not rebuild the name") }
    if name.lowercased != name || name.lowercased.hashValue != name.hashValue { fail("case-insensitive equality or hash") }
    for drop in 0...(count + 1) {
        let suffix = name.droppingFirst(drop)
        if suffix.labelCount != max(0, count - drop) { fail("droppingFirst(\(drop)) has the wrong label count") }
        if !name.isSubdomain(of: suffix) { fail("not a subdomain of droppingFirst(\(drop))") }
        if drop > 0, drop <= count, suffix.isSubdomain(of: name) { fail("droppingFirst(\(drop)) is a subdomain of the name") }
        guard let same = name.replacingSuffix(suffix, with: suffix) else { fail("replacingSuffix with itself is nil") }
        if same.wire != name.wire { fail("replacingSuffix with itself changed the name") }
        if let moved = name.replacingSuffix(suffix, with: .root), moved.labelCount != min(drop, count) { fail("replacingSuffix(with: .root)") }
    }
    // Presentation form: without escapes it parses back to the same bytes.
    let text = name.description
    if !text.hasSuffix(".") { fail("description without the trailing dot") }
    if !text.contains("\\") {
        guard let parsed = try? DomainName(text) else { fail("description \(text) does not parse") }
        if parsed.wire != name.wire { fail("description \(text) parses to another name") }
    }
}

// MARK: - Entry point (see FuzzSupport.runFuzzer)

@_cdecl("FuzzDNS_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(UnsafeRawPointer(data), size)
    }
}

// MARK: - Seeds

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer, _ argv: UnsafeMutableRawPointer) -> CInt {
    writeSeedsIfRequested(target: "FuzzDNS", makeSeeds)
    return 0
}

private func name(_ text: String) -> DomainName { try! DomainName(text) }

private func record(_ owner: String, _ data: RecordData, ttl: UInt32 = 300) -> ResourceRecord {
    ResourceRecord(name: name(owner), ttl: ttl, data: data)
}

private func makeSeeds() -> [[UInt8]] {
    let cookie = EDNSOption(code: 10, data: [0x9b, 0xf9, 0x13, 0x2a, 0xf6, 0xcc, 0xeb, 0xd9])
    let query = Header(id: 0x1d3a, recursionDesired: true, authenticData: true)
    let answer = Header(id: 0x1d3a, isResponse: true, authoritative: true, recursionDesired: true)
    let soa = StartOfAuthority(primary: name("ns1.example.com"), mailbox: name("hostmaster.example.com"),
                               serial: 2_024_010_101, refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)
    let srv = name("_http._tcp.web.lashup")

    var badVersion = Message(header: Header(id: 7, isResponse: true), edns: EDNS())
    badVersion.responseCode = .badVersion
    var manyAnswers = Message(header: answer, questions: [Question(name: name("big.example.com"), type: .a)], edns: EDNS(options: [cookie]))
    manyAnswers.answers = (0..<60).map { record("big.example.com", .a(.v4(0x0a00_0000 + UInt32($0)))) }
    // Far past 16 KiB, where names can no longer be pointer targets.
    let filler = record("fill.example.com", .txt(Array(repeating: [UInt8](repeating: 0x41, count: 255), count: 70)))

    let messages: [(Message, Int)] = [
        // Queries: exactly as dig sends them (EDNS 1232 with a cookie), with DO, without EDNS,
        // 0x20 mixed case, meta types.
        (Message(header: query, questions: [Question(name: name("example.com"), type: .a)], edns: EDNS(options: [cookie])), Message.maximumLength),
        (Message(header: query, questions: [Question(name: name("WwW.ExAmPlE.cOm"), type: .aaaa)], edns: EDNS(payloadSize: 4096, dnssecOK: true)), Message.maximumLength),
        (Message(header: Header(id: 1), questions: [Question(name: srv, type: .srv)]), Message.maximumLength),
        (Message(header: Header(id: 2), questions: [Question(name: name("lashup"), type: .any)], edns: EDNS(payloadSize: 512, version: 1)), Message.maximumLength),
        (Message(header: Header(id: 3), questions: [Question(name: name("4.3.2.10.in-addr.arpa"), type: .ptr)]), Message.maximumLength),
        (Message(header: Header(id: 4), questions: [Question(name: .root, type: .ixfr, recordClass: RecordClass(rawValue: 3))]), Message.maximumLength),
        // Responses: compressed, every record type.
        (Message(header: answer, questions: [Question(name: name("www.example.com"), type: .a)], answers: [
            record("www.example.com", .cname(name("web.example.com"))),
            record("web.example.com", .a(IPAddress("192.0.2.1")!)),
            record("web.example.com", .a(IPAddress("192.0.2.2")!)),
        ], authorities: [record("example.com", .ns(name("ns1.example.com")))],
           additionals: [record("ns1.example.com", .aaaa(IPAddress("2001:db8::53")!))], edns: EDNS(options: [cookie])), Message.maximumLength),
        (Message(header: answer, questions: [Question(name: srv, type: .srv)], answers: [
            record("_http._tcp.web.lashup", .srv(ServiceLocation(priority: 0, weight: 10, port: 8080, target: name("node-a.web.lashup")))),
            record("_http._tcp.web.lashup", .srv(ServiceLocation(priority: 0, weight: 10, port: 8080, target: name("node-b.web.lashup")))),
        ], additionals: [record("node-a.web.lashup", .a(IPAddress("10.0.0.1")!)), record("node-b.web.lashup", .a(IPAddress("10.0.0.2")!))]), Message.maximumLength),
        (Message(header: answer, questions: [Question(name: name("4.3.2.10.in-addr.arpa"), type: .ptr)],
                 answers: [record("4.3.2.10.in-addr.arpa", .ptr(name("node-a.lashup")))]), Message.maximumLength),
        (Message(header: answer, questions: [Question(name: name("example.com"), type: .txt)], answers: [
            record("example.com", .txt([Array("v=spf1 -all".utf8), [], [UInt8](repeating: 0x7a, count: 255)])),
            record("example.com", .unknown(type: RecordType(rawValue: 15), bytes: [0, 10, 4, 0x6d, 0x61, 0x69, 0x6c, 0xc0, 12])),
            record("example.com", .unknown(type: RecordType(rawValue: 257), bytes: [0, 5] + Array("issueletsencrypt.org".utf8))),
            record("example.com", .unknown(type: RecordType(rawValue: 65280), bytes: [])),
        ]), Message.maximumLength),
        // Negative answer: NXDOMAIN with the SOA in the authority section.
        (Message(header: Header(id: 5, isResponse: true, authoritative: true, rcodeLow: 3),
                 questions: [Question(name: name("missing.example.com"), type: .a)],
                 authorities: [record("example.com", .soa(soa), ttl: 300)], edns: EDNS()), Message.maximumLength),
        (badVersion, Message.maximumLength),
        (Message(header: Header(id: 6, isResponse: true, rcodeLow: 5)), Message.maximumLength),
        // Truncated to 512 bytes (TC, OPT kept), and whole.
        (manyAnswers, 512),
        (manyAnswers, Message.maximumLength),
        (Message(header: answer, answers: [filler, record("late.example.org", .cname(name("late.example.org"))), record("fill.example.com", .a(.v4(1)))]),
         Message.maximumLength),
    ]
    return messages.map { $0.0.encoded(limit: $0.1) }
}
