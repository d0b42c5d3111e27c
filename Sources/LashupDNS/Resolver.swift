/// Turns a query into a response from the zones, or into a decision to forward it.
/// Sans-I/O and deterministic: the order of answers depends only on the query id, or on the
/// generator passed in for `random`.
public struct Resolver: Sendable {
    /// Longest CNAME chain followed inside our zones.
    public static let maximumChain = 8

    public let router: QueryRouter
    public let order: AnswerOrder

    public init(router: QueryRouter, order: AnswerOrder) {
        self.router = router
        self.order = order
    }

    /// What to do with one query.
    public enum Outcome: Sendable {
        /// Send this response, over UDP in at most `udpLimit` bytes. `zone` is the zone that
        /// answered (for metrics), `.` when none.
        case respond(Message, zone: DomainName, udpLimit: Int)
        /// Forward the query to these resolvers (none: answer SERVFAIL).
        case forward(Message, zone: DomainName, upstreams: [Upstream])
        /// Our zones end in a CNAME to a name outside them: ask `upstreams` for `target` (same
        /// type) and append what they answer to `partial`, which holds the CNAME chain. Stub
        /// resolvers (glibc, musl) do not chase CNAMEs themselves.
        case chase(partial: Message, query: Message, zone: DomainName, target: DomainName, upstreams: [Upstream])
        /// Not a query (QR set) or too short to answer: send nothing.
        case drop
    }

    /// Handles raw query bytes: malformed queries get FORMERR, other opcodes NOTIMP, other EDNS
    /// versions BADVERS, responses and fragments shorter than a header are dropped.
    public func handle<Generator: RandomNumberGenerator>(_ bytes: [UInt8], zones: ZoneTable, random: inout Generator) -> Outcome {
        guard bytes.count >= 12 else { return .drop }
        let header = Header(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), flags: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
        guard !header.isResponse else { return .drop }
        let query: Message
        do {
            query = try Message(decoding: bytes)
        } catch {
            return .respond(Self.error(.formatError, id: header.id, opcode: header.opcode, recursionDesired: header.recursionDesired), zone: .root, udpLimit: Message.classicUDPLimit)
        }
        return handle(query, zones: zones, random: &random)
    }

    public func handle<Generator: RandomNumberGenerator>(_ query: Message, zones: ZoneTable, random: inout Generator) -> Outcome {
        let outcome = route(query, zones: zones, random: &random)
        guard case let .respond(response, zone, _) = outcome else { return outcome }
        return .respond(response, zone: zone, udpLimit: Self.udpLimit(for: query))
    }

    func route<Generator: RandomNumberGenerator>(_ query: Message, zones: ZoneTable, random: inout Generator) -> Outcome {
        guard query.header.opcode == 0 else { return .respond(reply(to: query, code: .notImplemented, keepQuestion: true), zone: .root, udpLimit: 0) }
        guard query.questions.count == 1, query.answers.isEmpty, query.authorities.isEmpty else {
            return .respond(reply(to: query, code: .formatError, keepQuestion: false), zone: .root, udpLimit: 0)
        }
        if let edns = query.edns, edns.version > 0 {
            return .respond(reply(to: query, code: .badVersion, keepQuestion: false), zone: .root, udpLimit: 0)
        }
        let question = query.questions[0]
        // Zone transfers are neither served nor forwarded: a forwarded one would come back as
        // its first message only, and be cached as if whole.
        if question.type == .axfr || question.type == .ixfr {
            return .respond(reply(to: query, code: .refused, keepQuestion: true), zone: .root, udpLimit: 0)
        }
        switch router.route(question.name, zones: zones) {
        case .refuse:
            return .respond(reply(to: query, code: .refused, keepQuestion: true), zone: .root, udpLimit: 0)
        case let .forward(zone, upstreams):
            return .forward(query, zone: zone, upstreams: upstreams)
        case let .answer(rename):
            return answer(query, rename: rename, zones: zones, random: &random)
        }
    }

    func answer<Generator: RandomNumberGenerator>(_ query: Message, rename: QueryRouter.Rename?, zones: ZoneTable, random: inout Generator) -> Outcome {
        let question = query.questions[0]
        var response = reply(to: query, code: .noError, keepQuestion: true)
        response.header.authoritative = true
        var name = question.name
        if let rename { name = name.replacingSuffix(rename.from, with: rename.to) ?? name }
        guard question.recordClass == .internet || question.recordClass == .any,
              question.type != .axfr, question.type != .ixfr,
              var zone = zones.zone(for: name) else {
            response.responseCode = .refused
            response.header.authoritative = false
            return .respond(response, zone: .root, udpLimit: 0)
        }
        let answeringZone = zone.apex
        var seen: Set<DomainName> = [name]
        var chaseTarget: (name: DomainName, upstreams: [Upstream])?
        chain: while true {
            switch zone.lookup(name, type: question.type) {
            case let .alias(target):
                response.answers.append(ResourceRecord(name: name, ttl: Zone.recordTTL, data: .cname(target)))
                guard seen.count <= Self.maximumChain, seen.insert(target).inserted else {
                    // A loop (or an absurd chain) in our own data: no answer is right.
                    response.responseCode = .serverFailure
                    break chain
                }
                guard let next = zones.zone(for: target) else {
                    // Outside our zones: chased through the forwarder when the client wants
                    // recursion and the name is not another internal one.
                    if question.type != .cname, question.type != .any, query.header.recursionDesired,
                       case let .forward(_, upstreams) = router.route(target, zones: zones), !upstreams.isEmpty {
                        chaseTarget = (target, upstreams)
                    }
                    break chain
                }
                name = target
                zone = next
            case let .records(data):
                if data.isEmpty {
                    response.authorities = [zone.soa]
                } else {
                    let ordered = arrange(data, id: query.header.id, random: &random)
                    response.answers += ordered.map { ResourceRecord(name: name, ttl: Zone.ttl($0), data: $0) }
                    response.additionals = glue(for: ordered, zones: zones)
                }
                break chain
            case .noSuchName:
                response.responseCode = .nameError
                response.authorities = [zone.soa]
                break chain
            }
        }
        if let rename { response = response.renaming(from: rename.to, to: rename.from) }
        response.questions = query.questions
        if let chaseTarget {
            // Part of the answer is not ours: not authoritative (RFC 1035 §4.1.1).
            response.header.authoritative = false
            return .chase(partial: response, query: query, zone: answeringZone, target: chaseTarget.name, upstreams: chaseTarget.upstreams)
        }
        return .respond(response, zone: answeringZone, udpLimit: 0)
    }

    /// Orders records of one name (its CNAME, if any, was placed before them).
    func arrange<Generator: RandomNumberGenerator>(_ data: [RecordData], id: UInt16, random: inout Generator) -> [RecordData] {
        guard data.count > 1 else { return data }
        switch order {
        case .none: return data
        case .random: return data.shuffled(using: &random)
        case .roundRobin:
            let start = Int(id) % data.count
            return Array(data[start...] + data[..<start])
        }
    }

    /// Addresses of SRV targets and NS names held in our zones, for the additional section.
    func glue(for data: [RecordData], zones: ZoneTable) -> [ResourceRecord] {
        var additionals: [ResourceRecord] = []
        var done: Set<DomainName> = []
        for item in data {
            let target: DomainName
            switch item {
            case let .srv(srv): target = srv.target
            case let .ns(server): target = server
            default: continue
            }
            guard done.insert(target).inserted, let zone = zones.zone(for: target) else { continue }
            for type in [RecordType.a, .aaaa] {
                if case let .records(addresses) = zone.lookup(target, type: type) {
                    additionals += addresses.map { ResourceRecord(name: target, ttl: Zone.recordTTL, data: $0) }
                }
            }
        }
        return additionals
    }

    /// A response skeleton: id, RD copied, RA set (we forward), EDNS answered when asked.
    public func reply(to query: Message, code: ResponseCode, keepQuestion: Bool) -> Message {
        let header = Header(id: query.header.id, isResponse: true, opcode: query.header.opcode,
                            recursionDesired: query.header.recursionDesired, recursionAvailable: true,
                            checkingDisabled: query.header.checkingDisabled)
        var response = Message(header: header, questions: keepQuestion ? query.questions : [])
        if let edns = query.edns { response.edns = EDNS(dnssecOK: edns.dnssecOK) }
        response.responseCode = code
        return response
    }

    /// A bare error for a query that could not be decoded.
    public static func error(_ code: ResponseCode, id: UInt16, opcode: UInt8, recursionDesired: Bool) -> Message {
        Message(header: Header(id: id, isResponse: true, opcode: opcode, recursionDesired: recursionDesired,
                               recursionAvailable: true, rcodeLow: UInt8(code.rawValue & 0x0f)))
    }

    /// Largest UDP response for this query: the smaller of its EDNS payload size and ours
    /// (1232, what we announce; RFC 6891 §6.2.5), at least 512; 512 without EDNS. Capping at
    /// ours keeps answers unfragmented and limits what a spoofed query can reflect.
    public static func udpLimit(for query: Message) -> Int {
        guard let edns = query.edns else { return Message.classicUDPLimit }
        return min(max(Int(edns.payloadSize), Int(EDNS.minimumPayloadSize)), Int(EDNS.defaultPayloadSize))
    }
}

extension Message {
    /// Every name in the sections (owners and names inside data) under `from` moved to `to`.
    func renaming(from: DomainName, to: DomainName) -> Message {
        func move(_ records: [ResourceRecord]) -> [ResourceRecord] {
            records.map { record in
                var record = record
                record.name = record.name.replacingSuffix(from, with: to) ?? record.name
                record.data = record.data.replacingSuffix(from, with: to)
                return record
            }
        }
        var message = self
        message.answers = move(answers)
        message.authorities = move(authorities)
        message.additionals = move(additionals)
        return message
    }
}
