/// A bounded cache of forwarded answers that honours TTLs.
///
/// Positive answers live for their smallest TTL; NXDOMAIN and NODATA answers for the SOA's
/// negative TTL, min(SOA TTL, SOA minimum) (RFC 2308 §5), and are not cached without an SOA.
/// An entry is never served once its TTL has run out, and the TTLs served count down with
/// time. Truncated answers and errors other than NXDOMAIN are not cached. Sans-I/O: `now` is
/// passed in (nanoseconds on any monotonic clock).
public struct AnswerCache: Sendable {
    /// Longest time anything is kept, whatever its TTL says.
    public static let maximumTTL: UInt32 = 86_400
    /// Longest time a negative answer is kept (RFC 2308 §5 suggests 3 hours at most).
    public static let maximumNegativeTTL: UInt32 = 10_800

    public struct Key: Hashable, Sendable {
        public var name: DomainName
        public var type: RecordType
        public var recordClass: RecordClass
        /// DNSSEC-aware clients may get records a plain client would not; keep them apart.
        public var dnssecOK: Bool
    }

    struct Entry: Sendable {
        var code: ResponseCode
        var answers: [ResourceRecord]
        var authorities: [ResourceRecord]
        var additionals: [ResourceRecord]
        var storedAt: UInt64
        var expiresAt: UInt64
    }

    /// A cached answer with its TTLs counted down to `now`.
    public struct Answer: Sendable, Equatable {
        public var code: ResponseCode
        public var answers: [ResourceRecord]
        public var authorities: [ResourceRecord]
        public var additionals: [ResourceRecord]
        /// When the entry was stored and when it stops being served.
        public var storedAt: UInt64
        public var expiresAt: UInt64
        /// Whole seconds subtracted from every TTL.
        public var age: UInt32
    }

    public let capacity: Int
    var entries: [Key: Entry] = [:]
    /// No entry expires before this, so a full cache with nothing expired is not swept.
    var earliestExpiry: UInt64 = .max
    public private(set) var hits = 0
    public private(set) var misses = 0
    /// Entries pushed out because the cache was full.
    public private(set) var evictions = 0
    public var count: Int { entries.count }

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    static func key(_ question: Question, dnssecOK: Bool) -> Key {
        Key(name: question.name.lowercased, type: question.type, recordClass: question.recordClass, dnssecOK: dnssecOK)
    }

    public mutating func lookup(_ question: Question, dnssecOK: Bool, now: UInt64) -> Answer? {
        let key = Self.key(question, dnssecOK: dnssecOK)
        guard let entry = entries[key] else { misses += 1; return nil }
        guard now < entry.expiresAt else {
            entries[key] = nil
            misses += 1
            return nil
        }
        hits += 1
        let elapsed = UInt32(min((now &- entry.storedAt) / 1_000_000_000, UInt64(UInt32.max)))
        func age(_ records: [ResourceRecord]) -> [ResourceRecord] {
            records.map { record in
                var record = record
                record.ttl = record.ttl > elapsed ? record.ttl - elapsed : 0
                return record
            }
        }
        return Answer(code: entry.code, answers: age(entry.answers), authorities: age(entry.authorities), additionals: age(entry.additionals),
                      storedAt: entry.storedAt, expiresAt: entry.expiresAt, age: elapsed)
    }

    /// Stores `response` (the upstream's answer to `question`) if it may be cached.
    public mutating func store(_ response: Message, for question: Question, dnssecOK: Bool, now: UInt64) {
        guard !response.header.truncated, let ttl = Self.lifetime(of: response) else { return }
        let key = Self.key(question, dnssecOK: dnssecOK)
        if entries[key] == nil, entries.count >= capacity { makeRoom(now: now) }
        let clamped = Self.clamping(response, to: ttl)
        let expiresAt = now &+ UInt64(ttl) * 1_000_000_000
        entries[key] = Entry(code: response.responseCode, answers: clamped.answers, authorities: clamped.authorities,
                             additionals: clamped.additionals, storedAt: now, expiresAt: expiresAt)
        earliestExpiry = min(earliestExpiry, expiresAt)
    }

    /// `response` with no record's TTL above `ttl`: nothing outlives the entry that holds it.
    public static func clamping(_ response: Message, to ttl: UInt32) -> Message {
        var message = response
        for index in message.answers.indices { message.answers[index].ttl = min(message.answers[index].ttl, ttl) }
        for index in message.authorities.indices { message.authorities[index].ttl = min(message.authorities[index].ttl, ttl) }
        for index in message.additionals.indices { message.additionals[index].ttl = min(message.additionals[index].ttl, ttl) }
        return message
    }

    /// How long a response may be cached, or nil if it may not be.
    public static func lifetime(of response: Message) -> UInt32? {
        let code = response.responseCode
        guard code == .noError || code == .nameError else { return nil }
        let ttl: UInt32?
        if code == .noError, !response.answers.isEmpty {
            // Every section: glue or authority records with shorter TTLs bound the entry too.
            ttl = (response.answers + response.authorities + response.additionals).map(\.ttl).min().map { min($0, maximumTTL) }
        } else {
            // Negative: NXDOMAIN, or NOERROR without answers (NODATA). CNAMEs before a
            // negative end also bound it.
            let soa = response.authorities.lazy.compactMap { record -> UInt32? in
                if case let .soa(data) = record.data { return min(record.ttl, data.minimum) }
                return nil
            }.first
            ttl = soa.map { min($0, maximumNegativeTTL, response.answers.map(\.ttl).min() ?? .max) }
        }
        guard let ttl, ttl > 0 else { return nil }
        return ttl
    }

    /// Drops expired entries; if none were, the one that expires soonest among a sample.
    /// The sweep runs only once something has expired, so a full cache of live entries costs
    /// a bounded sample per insert, not a pass over everything.
    mutating func makeRoom(now: UInt64) {
        if now >= earliestExpiry {
            let before = entries.count
            entries = entries.filter { $0.value.expiresAt > now }
            earliestExpiry = entries.values.lazy.map(\.expiresAt).min() ?? .max
            if entries.count < before { return }
        }
        // Dictionary order is arbitrary, so its head is a fair sample; bounded work per insert.
        if let victim = entries.prefix(16).min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
            entries[victim.key] = nil
            evictions += 1
        }
    }
}
