// libFuzzer target: every public CRDT decoder (LashupCRDT), and what a node does next with a
// decoded state or delta (join it, then write to it).
//
// The first input byte picks the type (modulo the number of types); the rest is decoded with
// `init(decoding:)`. Decode errors are expected; a trap is a bug. A value that decodes must
// re-encode to bytes that decode to an equal value, and encoding that again must give the
// same bytes; otherwise the target traps.
//
// For `Causal<…>` values it goes on, as a replica receiving the value would: it joins the
// value into an empty state and joins it again, then writes to the result as a replica named
// in the value. A trap anywhere there is a bug. Softer findings are printed once per kind and
// type as "fuzz-note:" lines on stderr rather than trapping: a decoded value with
// `invariantViolations()`, a join of the value into the empty state that differs from the
// value, a second join that changes the state, and inputs that are not the canonical
// encoding of their value.
//
// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -parse-as-library`.
// `LASHUP_FUZZ_SEEDS=<dir> FuzzCRDT` writes seed inputs to <dir> and exits.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LashupCRDT
import FuzzSupport
import LashupWire

/// The decoders, in selector order. Append only: the corpus depends on the numbering.
private let decoders: [(name: String, run: @Sendable (ArraySlice<UInt8>) -> Void)] = [
    ("Causal<ORMap>", { checkCausal($0) { (state: inout Causal<ORMap>, replica) in
        state.apply([.update("fuzz", .increment(1)), .update("set", .add("x")), .update("reg", .assign(1, timestamp: 1))], by: replica)
    } }),
    ("Causal<ORSet>", { checkCausal($0) { (state: inout Causal<ORSet>, replica) in state.add("x", by: replica) } }),
    ("Causal<PNCounter>", { checkCausal($0) { (state: inout Causal<PNCounter>, replica) in state.increment(by: -3, by: replica) } }),
    ("Causal<LWWRegister>", { checkCausal($0) { (state: inout Causal<LWWRegister>, replica) in
        state.assign("x", timestamp: .max, by: replica)
    } }),
    ("Causal<EnableWinsFlag>", { checkCausal($0) { (state: inout Causal<EnableWinsFlag>, replica) in state.enable(by: replica) } }),
    ("Causal<DotSet>", { checkCausal($0) { (_: inout Causal<DotSet>, _) in } }),
    ("Causal<EmbeddedValue>", { checkCausal($0) { (_: inout Causal<EmbeddedValue>, _) in } }),
    ("Value", { roundTrip(Value.self, $0) }),
    ("FieldKey", { roundTrip(FieldKey.self, $0) }),
    ("VersionVector", { roundTrip(VersionVector.self, $0) }),
    ("ReplicaID", { roundTrip(ReplicaID.self, $0) }),
    ("LWWEntry", { roundTrip(LWWEntry.self, $0) }),
    ("CounterEntry", { roundTrip(CounterEntry.self, $0) }),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    decoders[Int(input[0]) % decoders.count].run(input[1...])
    return 0
}

/// Decodes, and checks the round trip; returns the decoded value.
@discardableResult
private func checkCausal<Store: DotStore>(_ payload: ArraySlice<UInt8>, write: (inout Causal<Store>, ReplicaID) -> Void) {
    guard let value = roundTrip(Causal<Store>.self, payload) else { return }
    let type = "Causal<\(Store.self)>"
    if let violation = value.invariantViolations().first {
        note("invariant", type, "decoder accepted a value that violates an invariant (\(violation)); input \(hex(payload))")
    }

    // A replica receiving the value joins it into its state; from the bottom that must give
    // the value itself, and joining it again must change nothing.
    var state = Causal<Store>(empty: value.store.makeEmpty())
    state.merge(value)
    if state != value {
        note("join-from-bottom", type, "joining the value into the empty state gave a different state: \(value) -> \(state); input \(hex(payload))")
    }
    let once = state
    state.merge(value)
    if state != once {
        note("join-not-idempotent", type, "joining the value twice changed the state: \(once) -> \(state); input \(hex(payload))")
    }
    if let violation = state.invariantViolations().first {
        note("invariant-after-join", type, "\(violation); input \(hex(payload))")
    }

    // Then it writes, as any replica the value names (a peer knows every replica's name).
    let replicas = value.context.versionVector.sortedEntries.map(\.replica) + value.context.cloud.map(\.replica).sorted()
    let writer = replicas.first ?? "fuzz#1"
    write(&state, writer)
    if let violation = state.invariantViolations().first {
        note("invariant-after-write", type, "\(violation); input \(hex(payload))")
    }
    // The written state must still encode and decode.
    _ = roundTrip(Causal<Store>.self, state.encodedBytes()[...])
}

// MARK: - Entry point (see FuzzSupport.runFuzzer)

@_cdecl("FuzzCRDT_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(UnsafeRawPointer(data), size)
    }
}

// MARK: - Seeds

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer, _ argv: UnsafeMutableRawPointer) -> CInt {
    writeSeedsIfRequested(target: "FuzzCRDT", makeSeeds)
    return 0
}

private func seed(_ name: String, _ value: some WireEncodable) -> [UInt8] {
    let selector = decoders.firstIndex { $0.name == name }!
    return [UInt8(selector)] + value.encodedBytes()
}

private func makeSeeds() -> [[UInt8]] {
    var map = Causal<ORMap>()
    let first = map.apply([
        .update("port", .assign(80, timestamp: 1_700_000_000)),
        .update("backends", .add("10.0.0.1:80")),
        .update("hits", .increment(-5)),
        .update("up", .enable),
        .update("nested", .update([.update(.tuple([1, "x", true]), .assign(.bytes([0, 255]), timestamp: 2))])),
    ], by: "node-a#3")
    _ = first
    map.apply([.update("backends", .add("10.0.0.2:80")), .remove(FieldKey("port", .register))], by: "node-b#1")
    let second = map.apply([.update("hits", .increment(7))], by: "node-b#1")
    let third = map.apply([.update("hits", .increment(1))], by: "node-b#1")
    // A delta received out of order: its context has a dot cloud.
    var outOfOrder = Causal<ORMap>()
    outOfOrder.merge(third)

    var set = Causal<ORSet>()
    set.add("a", by: "r1")
    set.add(.ipAddress(IPAddress("fd00::1")!), by: "r2")
    let removal = set.remove("a")
    var counter = Causal<PNCounter>()
    counter.increment(by: 10, by: "r1")
    counter.increment(by: -4, by: "r2")
    var register = Causal<LWWRegister>()
    register.assign("v1", timestamp: 5, by: "r1")
    var flag = Causal<EnableWinsFlag>()
    flag.enable(by: "r1")
    flag.enable(by: "r2")
    let dots = Causal<DotSet>(
        store: DotSet([Dot("r1", 1), Dot("r1", 3), Dot("r2", 1)]),
        context: CausalContext(versionVector: VersionVector(["r1": 3]), cloud: [Dot("r2", 1), Dot("r3", 9)])
    )
    let embedded = Causal<EmbeddedValue>(store: .set(set.store), context: set.context)

    return [
        seed("Causal<ORMap>", map),
        seed("Causal<ORMap>", second),
        seed("Causal<ORMap>", outOfOrder),
        seed("Causal<ORMap>", Causal<ORMap>()),
        seed("Causal<ORSet>", set),
        seed("Causal<ORSet>", removal),
        seed("Causal<PNCounter>", counter),
        seed("Causal<LWWRegister>", register),
        seed("Causal<EnableWinsFlag>", flag),
        seed("Causal<DotSet>", dots),
        seed("Causal<EmbeddedValue>", embedded),
        seed("Value", Value.tuple([.boolean(true), .integer(-1), .string("é"), .bytes([1, 2]), .ipAddress(IPAddress("10.1.2.3")!), .tuple([])])),
        seed("Value", Value.integer(.min)),
        seed("FieldKey", FieldKey("backends", .set)),
        seed("VersionVector", VersionVector(["r1": 3, "r2": .max])),
        seed("ReplicaID", ReplicaID("node-a#3")),
        seed("LWWEntry", LWWEntry(timestamp: 99, value: "v")),
        seed("CounterEntry", CounterEntry(increments: 5, decrements: .max)),
    ]
}
