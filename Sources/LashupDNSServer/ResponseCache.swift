import LashupDNS
import Metrics

/// Encoded answers from our own zones, keyed by the query's bytes after its id, so a repeated
/// question is answered by patching two bytes. Owned by one channel handler (one event loop),
/// so it takes no lock; it is emptied whenever the zone table changes.
///
/// Round-robin answers depend on `id % n` (n = records rotated), so an entry keeps one
/// encoding per rotation it has seen. Bounded: at `capacity` entries it is emptied (counted).
struct ResponseCache {
    struct Entry {
        var rotations: Int
        var responses: [Int: [UInt8]]
        var counter: Counter
    }

    let capacity: Int
    var entries: [ArraySlice<UInt8>: Entry] = [:]
    var generation: UInt64 = .max

    init(capacity: Int) { self.capacity = capacity }

    /// The cached response for `query` with its id patched in, or nil.
    func response(for query: [UInt8]) -> (bytes: [UInt8], counter: Counter)? {
        guard let entry = entries[query[2...]] else { return nil }
        let id = Int(query[0]) << 8 | Int(query[1])
        guard var bytes = entry.responses[entry.rotations > 1 ? id % entry.rotations : 0] else { return nil }
        bytes[0] = query[0]
        bytes[1] = query[1]
        return (bytes, entry.counter)
    }

    /// Remembers `response` (encoded for `query`); returns true if the cache had to be emptied first.
    mutating func store(_ response: [UInt8], for query: [UInt8], rotations: Int, counter: Counter) -> Bool {
        let key = query[2...]
        let id = Int(query[0]) << 8 | Int(query[1])
        let rotation = rotations > 1 ? id % rotations : 0
        if var entry = entries[key] {
            guard entry.rotations == rotations else { return false }
            entry.responses[rotation] = response
            entries[key] = entry
            return false
        }
        var reset = false
        if entries.count >= capacity {
            entries.removeAll(keepingCapacity: true)
            reset = true
        }
        entries[key] = Entry(rotations: rotations, responses: [rotation: response], counter: counter)
        return reset
    }
}
