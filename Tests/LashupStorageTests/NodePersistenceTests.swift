import Foundation
import LashupCRDT
import LashupGossip
import LashupMembership
import LashupNode
import LashupStorage
import LashupStore
import Testing

/// The node's durable writes in SQLite: what a restarted node restores.
@Suite("Node persistence in SQLite")
struct NodePersistenceTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "lashup-node-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("keys, collected tombstones, incarnation, passive view and known members survive a reopen")
    func restoresEverything() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var node = LashupNode(me: Peer("a"), incarnation: 3, replica: "a~3", contacts: [Peer("b")], seed: 1)
        let kept = try Key(parsing: "svc/kept"), gone = try Key(parsing: "svc/gone")
        var writes: [DurableWrite] = []
        func collect(_ effects: [ClusterEffect]) {
            for case let .persist(write) in effects { writes.append(write) }
        }
        collect(try node.update(kept, [.update("backends", .add("10.0.0.1"))], now: .zero).effects)
        collect(try node.update(gone, [.update("backends", .add("10.0.0.2"))], now: .zero).effects)
        let snapshot = NodeSnapshot(
            membership: MembershipSnapshot(passiveView: [Peer(id: "c", address: "10.0.0.3:62000")], knownMembers: [Peer("b"), Peer("c")]),
            incarnation: 3
        )
        writes.append(DurableWrite(node: snapshot))
        writes.append(DurableWrite(forgotten: [gone]))
        let storage = try SQLiteStorage(directory: directory)
        for write in writes { try await storage.persist(write) }

        let restored = try SQLiteStorage(directory: directory).restore()
        #expect(restored.node == snapshot)
        #expect(restored.keys[kept] == node.space.value(kept))
        #expect(restored.keys[gone] == nil, "a collected tombstone's row is removed")
        let restarted = LashupNode(me: Peer("a"), incarnation: 4, replica: "a~4", contacts: [], restored: restored, seed: 2)
        #expect(restarted.space.value(kept).store.set("backends") == ["10.0.0.1"])
        #expect(restarted.gossip.membership.passiveView == snapshot.membership.passiveView)
    }

    @Test("a corrupt node snapshot is reported, not ignored")
    func corruptSnapshot() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SQLiteStorage(directory: directory).setMeta("node-snapshot", [0xFF, 0xFF])
        #expect(throws: StorageError.self) { try SQLiteStorage(directory: directory).restore() }
    }
}
