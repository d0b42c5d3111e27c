import LashupGossip
import LashupMembership
import LashupStore
import LashupWire

/// Tombstone garbage collection.
extension LashupNode {
    /// Broadcasts the tombstones this node holds, then forgets those every known member holds.
    mutating func reportAndCollectTombstones() {
        for key in space.tombstones where tombstones.tracked[key] == nil {
            tombstones.note(key, in: space, now: now)
        }
        let report = tombstones.report(limit: config.maximumTombstonesPerReport)
        if !report.isEmpty {
            let payload = TombstoneReport(tombstones: report).encodedBytes()
            if let (_, nodeEffects) = try? gossip.broadcast(topic: LashupNode.tombstoneTopic, payload: payload, now: now) {
                absorb(nodeEffects)
            }
        }
        var members = Set(gossip.records.keys)
        members.insert(me.id)
        let collectable = tombstones.collectable(members: members, now: now, minimumAge: config.tombstoneMinimumAge)
        guard !collectable.isEmpty else { return }
        for key in collectable {
            space.forget(key)
            tombstones.markCollected(key)
        }
        statistics.tombstonesCollected += collectable.count
        effects.append(.persist(DurableWrite(forgotten: Set(collectable))))
    }

    mutating func receiveTombstoneReport(_ payload: [UInt8], from origin: NodeID) {
        guard let report = try? TombstoneReport(decoding: payload) else {
            statistics.payloadsRejected += 1
            return
        }
        tombstones.record(report.tombstones, from: origin)
    }
}
