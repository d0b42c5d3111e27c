import LashupCRDT
import LashupGossip
import LashupMembership
import LashupStore
import LashupTestSupport
import LashupWire
import NIOCore
import Testing

@Suite("Bytes on the wire", .onDedicatedThread)
struct WireSizeTests {
    /// The whole frame a node sends for one add to a 10 000-element set held in a VIP map:
    /// frame header, Plumtree gossip message (broadcast id, topic, hops) and the key delta.
    static func framedAddBytes(setSize: Int) throws -> Int {
        var space = KeySpace()
        let key = try Key(["minuteman", "vips2"])
        let vip: Value = .tuple(["tcp", .ipAddress(IPAddress("11.0.0.1")!), 80])
        for index in 0..<setSize {
            try space.update(key, [.update(vip, .add(.tuple([.ipAddress(.v4(0x0A00_0000 | UInt32(index))), 8080])))], by: "node-1#1")
        }
        let (_, delta) = try space.update(key, [.update(vip, .add(.tuple([.ipAddress(IPAddress("10.99.0.1")!), 8080])))], by: "node-1#1")
        let payload = KeyDelta(key: key, delta: delta).encodedBytes()
        let message = GossipMessage.gossip(
            id: BroadcastID(origin: "node-1", incarnation: 1, sequence: 123_456),
            topic: KeyDelta.topic, payload: payload, hops: 3
        )
        let frame = Frame(message).encoded()
        // The receiver gets the same delta back.
        var stream = frame
        let decoded = try #require(try FrameDecoder().nextFrame(from: &stream)).decode(as: GossipMessage.self)
        guard case let .gossip(_, _, received, _) = decoded else { return -1 }
        #expect(try KeyDelta(decoding: received) == KeyDelta(key: key, delta: delta))
        return frame.readableBytes
    }

    @Test("one add to a 10 000-element set costs under 200 bytes on the wire, however large the set")
    func oneAdd() throws {
        let large = try Self.framedAddBytes(setSize: 10_000)
        let small = try Self.framedAddBytes(setSize: 10)
        #expect(large < 200, "\(large) bytes")
        #expect(large <= small + 2, "proportional to the change, not the set (\(small) vs \(large))")
    }
}
