import LashupCRDT
import LashupGossip
import LashupMembership
import LashupNode
import LashupStore
import LashupWire

extension SQLiteStorage {
    /// The meta entry holding the node's overlay snapshot.
    static let nodeSnapshotName = "node-snapshot"

    /// Makes `write` durable in one transaction: key states, collected tombstones and the
    /// node snapshot (incarnation, passive view, known members).
    public func persist(_ write: DurableWrite) async throws(StorageError) {
        let states = write.keys.sorted { $0.key < $1.key }.map { KeyState(key: $0.key, state: $0.value) }
        var meta: [String: [UInt8]] = [:]
        if let node = write.node { meta[SQLiteStorage.nodeSnapshotName] = StoredNodeSnapshot(node).encodedBytes() }
        try await self.write(states, forgetting: write.forgotten.sorted(), meta: meta)
    }

    /// Everything a restarting node needs: every key and its last node snapshot. A snapshot
    /// that does not decode is an error naming it, never silently dropped.
    public func restore(limits: StoreLimits = StoreLimits()) throws(StorageError) -> DurableWrite {
        let space = try loadAll(limits: limits)
        var restored = DurableWrite(keys: space.objects)
        if let bytes = try meta(SQLiteStorage.nodeSnapshotName) {
            do {
                restored.node = try StoredNodeSnapshot(decoding: bytes).snapshot
            } catch {
                throw StorageError("corrupt node snapshot in \(path): \(error)")
            }
        }
        return restored
    }
}

/// The node snapshot as stored: incarnation, passive view, known members.
struct StoredNodeSnapshot: WireCodable {
    static let maximumPeers = 4_096
    var snapshot: NodeSnapshot

    init(_ snapshot: NodeSnapshot) { self.snapshot = snapshot }

    func encode(to writer: inout WireWriter) {
        writer.writeVarint(snapshot.incarnation)
        for peers in [snapshot.membership.passiveView, snapshot.membership.knownMembers] {
            writer.writeVarint(peers.count)
            for peer in peers { peer.encode(to: &writer) }
        }
    }

    init(from reader: inout WireReader) throws(WireError) {
        let incarnation = try reader.readVarint("snapshot.incarnation")
        var lists: [[Peer]] = []
        for field in ["snapshot.passiveView", "snapshot.knownMembers"] {
            let count = try reader.readCount(field, minimumElementBytes: 2)
            guard count <= StoredNodeSnapshot.maximumPeers else {
                throw .limitExceeded(field: field, value: UInt64(count), limit: UInt64(StoredNodeSnapshot.maximumPeers))
            }
            var peers: [Peer] = []
            for _ in 0..<count { peers.append(try Peer(from: &reader)) }
            lists.append(peers)
        }
        snapshot = NodeSnapshot(
            membership: MembershipSnapshot(passiveView: lists[0], knownMembers: lists[1]),
            incarnation: incarnation
        )
    }
}
