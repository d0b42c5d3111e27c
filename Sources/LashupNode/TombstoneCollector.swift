import LashupCRDT
import LashupMembership
import LashupStore

/// Which tombstones this node holds, which members have reported holding the same ones, and
/// which were collected. A tombstone (a deleted key's causal context) may be forgotten only
/// once no replica can send back what it deleted: every known member holds it, and it is older
/// than anything a broadcast cache could still replay. Members that are down or unreachable
/// count too, until their records expire, so a node returning from a crash cannot resurrect a
/// collected value.
struct TombstoneCollector: Sendable {
    struct Tracked: Sendable {
        var digest: UInt64
        var since: Instant
        var seenBy: Set<NodeID>
    }

    let me: NodeID
    /// Most tombstones tracked at once; the rest wait (they are kept, never lost) and are
    /// picked up by a later report round as room frees.
    let maximumTracked: Int
    private(set) var tracked: [Key: Tracked] = [:]
    /// Recently collected tombstones, so an identical copy still held by a slower member and
    /// shipped back by anti-entropy is not taken in again. Bounded: oldest forgotten first.
    private var collected: Set<KeyDigest> = []
    private var collectedOrder: [KeyDigest] = []
    static let collectedMemory = 4_096

    init(me: NodeID, maximumTracked: Int) {
        self.me = me
        self.maximumTracked = maximumTracked
    }

    /// Re-examines `key` after its value changed: starts (or restarts, if its context moved)
    /// tracking a tombstone, or stops tracking a key that was written again.
    mutating func note(_ key: Key, in space: KeySpace, now: Instant) {
        let state = space.value(key)
        guard state.store.isEmpty, !state.context.isEmpty else {
            tracked[key] = nil
            return
        }
        let digest = space.digest(of: key)
        if let existing = tracked[key], existing.digest == digest { return }
        guard tracked[key] != nil || tracked.count < maximumTracked else { return }
        tracked[key] = Tracked(digest: digest, since: tracked[key]?.since ?? now, seenBy: [me])
    }

    /// `origin` reports holding these tombstones.
    mutating func record(_ report: [KeyDigest], from origin: NodeID) {
        for entry in report where tracked[entry.key]?.digest == entry.digest {
            tracked[entry.key]!.seenBy.insert(origin)
        }
    }

    /// The tracked tombstones to report, oldest first, at most `limit`.
    func report(limit: Int) -> [KeyDigest] {
        tracked.sorted { ($0.value.since, $0.key) < ($1.value.since, $1.key) }
            .prefix(limit)
            .map { KeyDigest(key: $0.key, digest: $0.value.digest) }
    }

    /// Tombstones every one of `members` holds and that are at least `minimumAge` old.
    func collectable(members: Set<NodeID>, now: Instant, minimumAge: Duration) -> [Key] {
        tracked.filter { _, entry in
            now - entry.since >= minimumAge && members.isSubset(of: entry.seenBy)
        }.map(\.key).sorted()
    }

    mutating func markCollected(_ key: Key) {
        guard let entry = tracked.removeValue(forKey: key) else { return }
        let item = KeyDigest(key: key, digest: entry.digest)
        guard collected.insert(item).inserted else { return }
        collectedOrder.append(item)
        if collectedOrder.count > TombstoneCollector.collectedMemory {
            collected.remove(collectedOrder.removeFirst())
        }
    }

    /// Whether `state` arriving for an absent `key` is a copy of a tombstone collected here.
    func wasCollected(_ key: Key, state: Causal<ORMap>, in space: KeySpace) -> Bool {
        guard space.objects[key] == nil, state.store.isEmpty, !collected.isEmpty else { return false }
        return collected.contains(KeyDigest(key: key, digest: KeySpace.digest(of: key, state: state)))
    }
}
