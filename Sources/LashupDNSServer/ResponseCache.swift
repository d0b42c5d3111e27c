import LashupDNS
import Metrics

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
    struct Expiry {
        var storedAt: UInt64
        var expiresAt: UInt64
        var ttlOffsets: [Int]
        /// Each record's TTL at `storedAt`.
        var baseTTLs: [UInt32]
    }

    struct Entry {
        var rotations: Int
        var responses: [Int: [UInt8]]
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
    var entries: [ArraySlice<UInt8>: Entry] = [:]
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

    /// The cached response for `query` with its id (and TTLs) patched in, or nil. `now` is read
    /// only for forwarded answers.
    mutating func response(for query: [UInt8], now: () -> UInt64) -> (bytes: [UInt8], counter: Counter)? {
        let key = query[2...]
        guard let entry = entries[key] else { return nil }
        let id = Int(query[0]) << 8 | Int(query[1])
        guard var bytes = entry.responses[entry.rotations > 1 ? id % entry.rotations : 0] else { return nil }
        if let expiry = entry.expiry {
            let time = now()
            guard time < expiry.expiresAt else {
                entries[key] = nil
                bytesHeld -= key.count + bytes.count
                return nil
            }
            let age = UInt32(min((time &- expiry.storedAt) / 1_000_000_000, UInt64(UInt32.max)))
            for (offset, base) in zip(expiry.ttlOffsets, expiry.baseTTLs) {
                let ttl = base > age ? base - age : 0
                bytes[offset] = UInt8(ttl >> 24)
                bytes[offset + 1] = UInt8((ttl >> 16) & 0xff)
                bytes[offset + 2] = UInt8((ttl >> 8) & 0xff)
                bytes[offset + 3] = UInt8(ttl & 0xff)
            }
        }
        bytes[0] = query[0]
        bytes[1] = query[1]
        return (bytes, entry.counter)
    }

    /// Remembers `response` (encoded for `query`); returns true if the cache had to be emptied first.
    mutating func store(_ response: [UInt8], for query: [UInt8], rotations: Int, counter: Counter, expiry: Expiry? = nil) -> Bool {
        let key = query[2...]
        let id = Int(query[0]) << 8 | Int(query[1])
        let rotation = rotations > 1 ? id % rotations : 0
        var reset = false
        if entries.count >= capacity || bytesHeld + key.count + response.count > byteBudget {
            removeAll()
            reset = true
        }
        if var entry = entries[key], expiry == nil {
            guard entry.rotations == rotations, entry.responses[rotation] == nil else { return reset }
            entry.responses[rotation] = response
            entries[key] = entry
            bytesHeld += response.count
            return reset
        }
        if let old = entries[key] { bytesHeld -= key.count + old.responses.values.reduce(0) { $0 + $1.count } }
        entries[key] = Entry(rotations: rotations, responses: [rotation: response], counter: counter, expiry: expiry)
        bytesHeld += key.count + response.count
        return reset
    }
}
