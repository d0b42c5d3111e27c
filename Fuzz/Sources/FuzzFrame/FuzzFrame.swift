// libFuzzer target: the frame layer and every frame-level message decoder.
//
// The input is a byte stream as a peer would send it. It is cut into frames by
// `FrameDecoder` (all at once, then again in small chunks, which must give the same frames
// and the same error), and every frame is decoded as node traffic (`ClusterMessage`), as a
// `Hello` and as a `Refusal`. Decode errors are expected; a trap is a bug. A message that
// decodes must survive frame -> bytes -> frame -> message unchanged.
//
// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -parse-as-library`.
// `LASHUP_FUZZ_SEEDS=<dir> FuzzFrame` writes seed inputs to <dir> and exits.

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
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    let decoder = FrameDecoder()

    let whole = cutFrames(input, chunkSize: input.count, decoder: decoder)
    let chunked = cutFrames(input, chunkSize: 1 + Int(input.first ?? 0) % 13, decoder: decoder)
    if whole.frames != chunked.frames || whole.error != chunked.error {
        fatalError("FrameDecoder depends on how the stream is chunked: whole \(whole), chunked \(chunked); input \(hex(input))")
    }

    for frame in whole.frames {
        // The frame itself must re-encode to bytes that decode to the same frame.
        var encoded = frame.encoded()
        let again: Frame?
        do { again = try decoder.nextFrame(from: &encoded) } catch {
            fatalError("re-encoded frame does not decode: \(error); input \(hex(input))")
        }
        if again != frame || encoded.readableBytes != 0 {
            fatalError("frame round trip changed the frame; input \(hex(input))")
        }

        if let message = try? ClusterMessage(frame: frame) {
            let reframed = message.frame
            let decoded: ClusterMessage
            do { decoded = try ClusterMessage(frame: reframed) } catch {
                fatalError("re-encoded ClusterMessage does not decode: \(error); input \(hex(input))")
            }
            if decoded != message {
                fatalError("ClusterMessage round trip changed the message: \(message) -> \(decoded); input \(hex(input))")
            }
            if decoded.frame.encoded() != reframed.encoded() {
                fatalError("ClusterMessage encoding is not stable (equal messages, different bytes); input \(hex(input))")
            }
        }
        if let hello = try? frame.decode(as: Hello.self) {
            if (try? Frame(hello).decode(as: Hello.self)) != hello {
                fatalError("Hello round trip failed: \(hello); input \(hex(input))")
            }
        }
        if let refusal = try? frame.decode(as: Refusal.self) {
            if (try? Frame(refusal).decode(as: Refusal.self)) != refusal {
                fatalError("Refusal round trip failed: \(refusal); input \(hex(input))")
            }
        }
    }
    return 0
}

private struct CutResult: CustomStringConvertible {
    var frames: [Frame] = []
    var error: WireError?
    var description: String { "\(frames.count) frame(s), error \(error.map { "\($0)" } ?? "none")" }
}

/// Feeds `input` to `decoder` `chunkSize` bytes at a time, taking every frame it yields,
/// until the input is used up or the decoder throws.
private func cutFrames(_ input: [UInt8], chunkSize: Int, decoder: FrameDecoder) -> CutResult {
    var result = CutResult()
    var buffer = ByteBuffer()
    var offset = 0
    repeat {
        let end = min(input.count, offset + max(1, chunkSize))
        buffer.writeBytes(input[offset..<end])
        offset = end
        do {
            while let frame = try decoder.nextFrame(from: &buffer) {
                result.frames.append(frame)
            }
        } catch {
            result.error = error
            return result
        }
    } while offset < input.count
    return result
}

// MARK: - Entry point (see FuzzSupport.runFuzzer)

@_cdecl("FuzzFrame_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(UnsafeRawPointer(data), size)
    }
}

// MARK: - Seeds

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer, _ argv: UnsafeMutableRawPointer) -> CInt {
    writeSeedsIfRequested(target: "FuzzFrame", makeSeeds)
    return 0
}

private func frameBytes(_ frame: Frame) -> [UInt8] { Array(frame.encoded().readableBytesView) }

private func makeSeeds() -> [[UInt8]] {
    let a = Peer(id: "node-a", address: "10.0.0.1:62001")
    let b = Peer(id: "node-b", address: "10.0.0.2:62001")
    let id = BroadcastID(origin: "node-a", incarnation: 3, sequence: 200)
    let key = try! Key(["svc", "web"])

    var map = Causal<ORMap>()
    let delta = map.apply([
        .update("port", .assign(80, timestamp: 1_700_000_000)),
        .update("backends", .add("10.0.0.1:80")),
        .update("hits", .increment(-5)),
        .update("up", .enable),
        .update("nested", .update([.update(.tuple([1, "x"]), .assign(.ipAddress(IPAddress("10.0.0.9")!), timestamp: 2))])),
    ], by: "node-a#3")
    map.apply([.update("backends", .add("10.0.0.2:80")), .remove(FieldKey("port", .register))], by: "node-b#1")
    let record = MemberRecord(peer: a, incarnation: 3, version: 9, activeView: ["node-b", "node-c"], metadata: ["zone": "eu-1"])

    let messages: [ClusterMessage] = [
        .node(.membership(.join(joiner: a))),
        .node(.membership(.joinAccept(passiveSample: [a, b]))),
        .node(.membership(.forwardJoin(joiner: b, ttl: 6))),
        .node(.membership(.neighbor(requester: a, priority: .high))),
        .node(.membership(.neighborAccept)),
        .node(.membership(.shuffle(origin: a, sample: [b], ttl: 4, id: 77))),
        .node(.membership(.ping(sequence: 300))),
        .node(.membership(.pong(sequence: 300, isNeighbor: true))),
        .node(.membership(.pingRequestResult(target: "node-b", sequence: 1, alive: false))),
        .node(.gossip(.gossip(id: id, topic: KeyDelta.topic, payload: KeyDelta(key: key, delta: delta).encodedBytes(), hops: 2))),
        .node(.gossip(.ihave([id, BroadcastID(origin: "node-b", incarnation: 1, sequence: 1)]))),
        .node(.gossip(.graft(id))),
        .node(.gossip(.prune(root: "node-a"))),
        .node(.sync(.digest([MemberDigestEntry(id: "node-a", incarnation: 3, version: 9)]))),
        .node(.sync(.records([record]))),
        .antiEntropy(.buckets([1, 2, 0xFFFF_FFFF_FFFF_FFFF])),
        .antiEntropy(.keys(buckets: [0, 200], [KeyDigest(key: key, digest: 42)])),
        .antiEntropy(.states([KeyState(key: key, state: map)], wanted: [try! Key(["dns", "zones"])])),
    ]
    var seeds = messages.map { frameBytes($0.frame) }
    seeds.append(frameBytes(Frame(Hello(cluster: "dev", node: "node-a", incarnation: 3, address: "127.0.0.1:62001"))))
    seeds.append(frameBytes(Frame(Refusal(reason: "cluster \"x\" is not ours (\"dev\")"))))
    // A stream of several frames, as a connection carries them.
    seeds.append(seeds[0] + seeds[6] + seeds[9] + seeds.last!)
    return seeds
}
