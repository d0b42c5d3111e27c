// libFuzzer target: every public message decoder, called directly.
//
// The first input byte picks the type (modulo the number of types); the rest is decoded with
// `init(decoding:)`. Decode errors are expected; a trap is a bug. A value that decodes must
// re-encode to bytes that decode to an equal value, and encoding that value again must give
// the same bytes (the wire format promises one encoding per value); otherwise the target
// traps. An input that decodes but is not the canonical encoding of its value is not a
// crash: it is printed once per type as a "fuzz-note:" line on stderr.
//
// `TombstoneReport` (LashupNode) and `StoredNodeSnapshot` are internal, so they are not
// reachable from here.
//
// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -parse-as-library`.
// `LASHUP_FUZZ_SEEDS=<dir> FuzzMessages` writes seed inputs to <dir> and exits.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LashupCRDT
import LashupGossip
import LashupMembership
import LashupNode
import LashupStore
import FuzzSupport
import LashupWire

/// The decoders, in selector order. Append only: the corpus depends on the numbering.
private let decoders: [(name: String, run: @Sendable (ArraySlice<UInt8>) -> Void)] = [
    ("MembershipMessage", { roundTrip(MembershipMessage.self, $0) }),
    ("GossipMessage", { roundTrip(GossipMessage.self, $0) }),
    ("MemberSync", { roundTrip(MemberSync.self, $0) }),
    ("MemberRecord", { roundTrip(MemberRecord.self, $0) }),
    ("AntiEntropyMessage", { roundTrip(AntiEntropyMessage.self, $0) }),
    ("KeyDelta", { roundTrip(KeyDelta.self, $0) }),
    ("Key", { roundTrip(Key.self, $0) }),
    ("Hello", { roundTrip(Hello.self, $0) }),
    ("Refusal", { roundTrip(Refusal.self, $0) }),
    ("Peer", { roundTrip(Peer.self, $0) }),
    ("BroadcastID", { roundTrip(BroadcastID.self, $0) }),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    decoders[Int(input[0]) % decoders.count].run(input[1...])
    return 0
}

// MARK: - Entry point (see FuzzSupport.runFuzzer)

@_cdecl("FuzzMessages_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(UnsafeRawPointer(data), size)
    }
}

// MARK: - Seeds

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer, _ argv: UnsafeMutableRawPointer) -> CInt {
    writeSeedsIfRequested(target: "FuzzMessages", makeSeeds)
    return 0
}

private func seed(_ name: String, _ value: some WireEncodable) -> [UInt8] {
    let selector = decoders.firstIndex { $0.name == name }!
    return [UInt8(selector)] + value.encodedBytes()
}

private func makeSeeds() -> [[UInt8]] {
    let a = Peer(id: "node-a", address: "10.0.0.1:62001")
    let b = Peer(id: "node-b", address: "[fd00::2]:62001")
    let id = BroadcastID(origin: "node-a", incarnation: 3, sequence: 200)
    let key = try! Key(["svc", "web"])

    var map = Causal<ORMap>()
    let delta = map.apply([
        .update("port", .assign(80, timestamp: 1_700_000_000)),
        .update("backends", .add("10.0.0.1:80")),
        .update("hits", .increment(-5)),
        .update("up", .enable),
        .update("nested", .update([.update(.tuple([1, "x"]), .assign(.bytes([0, 255]), timestamp: 2))])),
    ], by: "node-a#3")
    map.apply([.update("backends", .add("10.0.0.2:80")), .remove(FieldKey("port", .register))], by: "node-b#1")
    let record = MemberRecord(peer: a, incarnation: 3, version: 9, activeView: ["node-b", "node-c"], metadata: ["zone": "eu-1", "rack": "r7"], leaving: true)

    return [
        seed("MembershipMessage", MembershipMessage.join(joiner: a)),
        seed("MembershipMessage", MembershipMessage.joinDeny(alternatives: [a, b])),
        seed("MembershipMessage", MembershipMessage.neighbor(requester: b, priority: .low)),
        seed("MembershipMessage", MembershipMessage.disconnect(leaving: true)),
        seed("MembershipMessage", MembershipMessage.shuffle(origin: a, sample: [b, a], ttl: 4, id: 77)),
        seed("MembershipMessage", MembershipMessage.shuffleReply(sample: [b], id: 1 << 40)),
        seed("MembershipMessage", MembershipMessage.pingRequest(target: b, sequence: 5)),
        seed("MembershipMessage", MembershipMessage.pingRequestResult(target: "node-b", sequence: 5, alive: true)),
        seed("GossipMessage", GossipMessage.gossip(id: id, topic: KeyDelta.topic, payload: KeyDelta(key: key, delta: delta).encodedBytes(), hops: 2)),
        seed("GossipMessage", GossipMessage.ihave([id, BroadcastID(origin: "node-b", incarnation: 1, sequence: 1)])),
        seed("GossipMessage", GossipMessage.graft(id)),
        seed("GossipMessage", GossipMessage.prune(root: "node-a")),
        seed("MemberSync", MemberSync.digest([MemberDigestEntry(id: "node-a", incarnation: 3, version: 9)])),
        seed("MemberSync", MemberSync.records([record])),
        seed("MemberRecord", record),
        seed("AntiEntropyMessage", AntiEntropyMessage.buckets([1, 2, 0xFFFF_FFFF_FFFF_FFFF])),
        seed("AntiEntropyMessage", AntiEntropyMessage.keys(buckets: [0, 200], [KeyDigest(key: key, digest: 42)])),
        seed("AntiEntropyMessage", AntiEntropyMessage.states([KeyState(key: key, state: map)], wanted: [try! Key(["dns", "zones"])])),
        seed("KeyDelta", KeyDelta(key: key, delta: delta)),
        seed("KeyDelta", KeyDelta(key: key, delta: map)),
        seed("Key", try! Key(["minuteman", "vips2", "é"])),
        seed("Hello", Hello(cluster: "dev", node: "node-a", incarnation: 3, address: "127.0.0.1:62001")),
        seed("Refusal", Refusal(reason: "protocol version 2 is not ours (1)")),
        seed("Peer", b),
        seed("BroadcastID", id),
    ]
}
