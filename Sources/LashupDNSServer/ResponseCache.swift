import LashupDNS
import Metrics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A query's bytes after its id, as a dictionary key: hashed in one pass over raw memory and
/// compared with memcmp (the generic `ArraySlice` path hashed byte by byte, and showed up as
/// the top cost of answering from the cache).
struct QueryKey: Hashable {
    let bytes: ArraySlice<UInt8>

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (left: QueryKey, right: QueryKey) -> Bool {
        left.bytes.count == right.bytes.count && left.bytes.withUnsafeBytes { l in
            right.bytes.withUnsafeBytes { r in memcmp(l.baseAddress!, r.baseAddress!, l.count) == 0 }
        }
    }
}

/// A cached answer to write: the stored encoding, unchanged, and what to patch in the copy
/// that goes out (the query's id, and counted-down TTLs for forwarded answers).
struct CachedAnswer {
    var bytes: [UInt8]
    var id: UInt16
    /// (offset, TTL) pairs to write over the stored TTLs; empty for our own answers.
    var ttls: [(offset: Int, ttl: UInt32)]
    var counter: Counter
}

/// Encoded UDP answers, keyed by the query's bytes after its id, so a repeated question is
/// answered by patching the id (and, for forwarded answers, the TTLs). Owned by one channel
/// handler (one event loop), so it takes no lock; emptied whenever the zone table changes.
///
/// Round-robin answers depend on `id % n` (n = records rotated), so an entry keeps one
/// encoding per rotation it has seen. Forwarded answers expire with their cache entry and
/// their TTLs count down from when the upstream answered. Bounded: at `capacity` entries or
/// `byteBudget` bytes the cache is emptied (counted by the caller); long queries and answers
/// with many rotations are not kept at all.
struct ResponseCache {
    /// When a forwarded answer stops being served, and how to count its TTLs down.
    struct Expiry: Sendable {
        var storedAt: UInt64
        var expiresAt: UInt64
        var ttlOffsets: [Int]
        /// Each record's TTL at `storedAt`.
        var baseTTLs: [UInt32]
    }

    struct Entry {
        var rotations: Int
        /// One encoding per rotation seen (index `id % rotations`), or one for all.
        var responses: [[UInt8]?]
        var counter: Counter
        var expiry: Expiry?
    }

    /// Longest query kept as a key; longer ones (rare, or junk) are answered uncached.
    static let maximumQueryBytes = 512
    /// Most encodings one entry keeps (round-robin rotations).
    static let maximumRotations = 16

    let capacity: Int
    /// Bytes of keys and encodings together; beyond this the cache is emptied like at `capacity`.
    let byteBudget: Int
    var entries: [QueryKey: Entry] = [:]
    var bytesHeld = 0
    var generation: UInt64 = .max

    init(capacity: Int, byteBudget: Int = 16 << 20) {
        self.capacity = capacity
        self.byteBudget = byteBudget
    }

    /// Whether an answer to `query` with `rotations` encodings may be kept.
    static func admits(query: [UInt8], rotations: Int) -> Bool {
        query.count <= maximumQueryBytes && rotations <= maximumRotations
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        bytesHeld = 0
    }

    /// The cached answer for `query`, or nil. `now` is read only for forwarded answers.
    mutating func response(for query: [UInt8], now: () -> UInt64) -> CachedAnswer? {
        let key = QueryKey(bytes: query[2...])
        guard let entry = entries[key] else { return nil }
        let id = UInt16(query[0]) << 8 | UInt16(query[1])
        guard let bytes = entry.responses[entry.rotations > 1 ? Int(id) % entry.rotations : 0] else { return nil }
        var ttls: [(offset: Int, ttl: UInt32)] = []
        if let expiry = entry.expiry {
            let time = now()
            guard time < expiry.expiresAt else {
                entries[key] = nil
                bytesHeld -= key.bytes.count + bytes.count
                return nil
            }
            let age = UInt32(min((time &- expiry.storedAt) / 1_000_000_000, UInt64(UInt32.max)))
            ttls = zip(expiry.ttlOffsets, expiry.baseTTLs).map { ($0, $1 > age ? $1 - age : 0) }
        }
        return CachedAnswer(bytes: bytes, id: id, ttls: ttls, counter: entry.counter)
    }

    /// Remembers `response` (encoded for `query`); returns true if the cache had to be emptied first.
    mutating func store(_ response: [UInt8], for query: [UInt8], rotations: Int, counter: Counter, expiry: Expiry? = nil) -> Bool {
        // A copy of its own: the caller's array may be a buffer it reuses.
        let key = QueryKey(bytes: ArraySlice(Array(query[2...])))
        let id = Int(query[0]) << 8 | Int(query[1])
        let slots = max(rotations, 1)
        let rotation = rotations > 1 ? id % rotations : 0
        var reset = false
        if entries.count >= capacity || bytesHeld + key.bytes.count + response.count > byteBudget {
            removeAll()
            reset = true
        }
        if var entry = entries[key], expiry == nil {
            guard entry.rotations == rotations, entry.responses.indices.contains(rotation), entry.responses[rotation] == nil else { return reset }
            entry.responses[rotation] = response
            entries[key] = entry
            bytesHeld += response.count
            return reset
        }
        if let old = entries[key] { bytesHeld -= key.bytes.count + old.responses.reduce(0) { $0 + ($1?.count ?? 0) } }
        var responses = [[UInt8]?](repeating: nil, count: slots)
        responses[rotation] = response
        entries[key] = Entry(rotations: rotations, responses: responses, counter: counter, expiry: expiry)
        bytesHeld += key.bytes.count + response.count
        return reset
    }
}
