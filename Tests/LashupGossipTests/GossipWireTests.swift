import LashupGossip
import LashupMembership
import LashupTestSupport
import LashupWire
import NIOCore
import PropertyBased
import Testing

@Suite("Gossip and membership-sync encoding", .onDedicatedThread)
struct GossipWireTests {
    let id = BroadcastID(origin: "node-a", incarnation: 3, sequence: 1 << 33)

    @Test("every gossip and sync message round-trips through its frame, and every prefix is refused")
    func roundTrip() throws {
        let record = MemberRecord(
            peer: Peer(id: "node-a", address: "10.0.0.1:62001"), incarnation: 3, version: 9,
            activeView: ["node-c", "node-b"], metadata: ["zone": "eu-1", "role": "master"], leaving: false
        )
        let gossip: [GossipMessage] = [
            .gossip(id: id, topic: "kv", payload: [1, 2, 3], hops: 7), .ihave([id, id]), .graft(id), .prune(root: "node-a"),
        ]
        let syncs: [MemberSync] = [
            .digest([MemberDigestEntry(id: "node-a", incarnation: 3, version: 9)]), .records([record]),
        ]
        for message in gossip {
            var stream = Frame(message).encoded()
            let frame = try #require(try FrameDecoder().nextFrame(from: &stream))
            #expect(try frame.decode(as: GossipMessage.self) == message)
            let bytes = message.encodedBytes()
            for cut in 0..<bytes.count { #expect(throws: WireError.self) { try GossipMessage(decoding: bytes[0..<cut]) } }
        }
        for message in syncs {
            var stream = Frame(message).encoded()
            let frame = try #require(try FrameDecoder().nextFrame(from: &stream))
            #expect(try frame.decode(as: MemberSync.self) == message)
            let bytes = message.encodedBytes()
            for cut in 0..<bytes.count { #expect(throws: WireError.self) { try MemberSync(decoding: bytes[0..<cut]) } }
        }
        #expect(record.activeView == ["node-b", "node-c"], "views are kept sorted")
    }

    @Test("random bytes never crash the gossip decoders")
    func randomBytes() async {
        await propertyCheck(count: 1000, input: Gen.uint8(in: 0...255).array(of: 0...60)) { bytes in
            _ = try? GossipMessage(decoding: bytes)
            _ = try? MemberSync(decoding: bytes)
            _ = try? MemberRecord(decoding: bytes)
        }
    }

    @Test("records order by incarnation, then version")
    func recordOrder() {
        let peer = Peer("n")
        let old = MemberRecord(peer: peer, incarnation: 1, version: 50, activeView: [])
        let newer = MemberRecord(peer: peer, incarnation: 1, version: 51, activeView: [])
        let restarted = MemberRecord(peer: peer, incarnation: 2, version: 1, activeView: [])
        #expect(newer.supersedes(old) && !old.supersedes(newer))
        #expect(restarted.supersedes(newer), "a restart wins whatever the old version")
        #expect(!old.supersedes(old))
    }
}
