import LashupCRDT
import LashupTestSupport
import LashupWire
import NIOCore
import PropertyBased
import Testing

/// decode(encode(x)) == x for every replicated type, canonical bytes, and no crash on any
/// truncated, corrupted or random input.
@Suite("CRDT encoding", .onDedicatedThread)
struct EncodingTests {
    static let scripts = Gen.int(in: 0...1_000_000).array(of: 1...40)

    func checkEncoding<Store: DotStore>(_ mutator: Mutator<Store>, script: [Int]) throws {
        var history = ReplicatedHistory(replicas: 3, mutator: mutator)
        history.run(script: script, mutator: mutator)
        var samples = history.states
        samples += history.mutations.suffix(3).map(\.delta)
        for sample in samples {
            let bytes = sample.encodedBytes()
            let decoded = try Causal<Store>(decoding: bytes)
            #expect(decoded == sample)
            #expect(decoded.encodedBytes() == bytes, "re-encoding is byte-identical")
            // Every strict prefix is an error, never a crash or a silently shorter value.
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 25)) {
                #expect(throws: WireError.self) { try Causal<Store>(decoding: bytes[0..<cut]) }
            }
            // Corrupting any byte either fails cleanly or yields some valid state.
            for position in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 25)) {
                var corrupt = bytes
                corrupt[position] ^= UInt8(truncatingIfNeeded: script.count | 1)
                if let decoded = try? Causal<Store>(decoding: corrupt) {
                    #expect(decoded.merged(decoded) == decoded)
                }
            }
        }
        // Equal states reached along different paths encode identically.
        history.drain(seed: script.count)
        #expect(Set(history.states.map { $0.encodedBytes() }).count == 1)
    }

    @Test("OR-set") func orSet() async {
        await propertyCheck(input: Self.scripts) { script in try checkEncoding(Mutators.orSet, script: script) }
    }

    @Test("flag") func flag() async {
        await propertyCheck(input: Self.scripts) { script in try checkEncoding(Mutators.flag, script: script) }
    }

    @Test("LWW register") func register() async {
        await propertyCheck(input: Self.scripts) { script in try checkEncoding(Mutators.register, script: script) }
    }

    @Test("PN counter") func counter() async {
        await propertyCheck(input: Self.scripts) { script in try checkEncoding(Mutators.counter, script: script) }
    }

    @Test("OR-map") func map() async {
        await propertyCheck(input: Self.scripts) { script in try checkEncoding(Mutators.map, script: script) }
    }

    @Test("random bytes never crash any decoder")
    func randomBytes() async {
        await propertyCheck(count: 1000, input: Gen.uint8(in: 0...255).array(of: 0...80)) { bytes in
            _ = try? Causal<ORMap>(decoding: bytes)
            _ = try? Causal<ORSet>(decoding: bytes)
            _ = try? Causal<LWWRegister>(decoding: bytes)
            _ = try? Causal<PNCounter>(decoding: bytes)
            _ = try? Causal<EnableWinsFlag>(decoding: bytes)
            _ = try? VersionVector(decoding: bytes)
            _ = try? Value(decoding: bytes)
        }
    }

    @Test("a store dot outside the causal context is refused")
    func uncoveredDot() throws {
        var set = Causal<ORSet>()
        set.add("x", by: "a")
        var bytes = set.encodedBytes()
        // Layout: [1 replica]["a"] [1 vv entry][index 0][counter 1] [0 cloud] [set...]
        // Lowering the context's counter to 0 is refused as a zero dot; dropping the version
        // vector entry leaves the element's dot uncovered.
        let encodedContext: [UInt8] = [1, 0, 1, 0]
        let start = try #require(bytes.firstRange(of: encodedContext)).lowerBound
        bytes.replaceSubrange(start..<start + 4, with: [0, 0])
        #expect(throws: WireError.invalidValue(field: "causal.store", reason: "dot a:1 is not in the causal context")) {
            try Causal<ORSet>(decoding: bytes)
        }
    }

    @Test("deeply nested tuples are refused, not recursed into")
    func deepNesting() {
        var writer = WireWriter()
        for _ in 0..<10_000 {
            writer.writeUInt8(6)
            writer.writeVarint(UInt64(1))
        }
        writer.writeUInt8(2)
        writer.writeSignedVarint(1)
        #expect(throws: WireError.self) { try Value(decoding: writer.bytes) }
    }

    @Test("the delta of one add is small however large the set")
    func deltaIsProportionalToChange() {
        var set = Causal<ORSet>()
        for index in 0..<10_000 { set.add(.integer(Int64(index)), by: "node-1") }
        let small = set.add("new-element", by: "node-1").encodedBytes().count
        var bigger = set
        for index in 10_000..<20_000 { bigger.add(.integer(Int64(index)), by: "node-1") }
        let stillSmall = bigger.add("another", by: "node-1").encodedBytes().count
        #expect(small < 64)
        #expect(stillSmall <= small + 2)
        #expect(set.encodedBytes().count > 10_000 * 3)
    }
}

@Suite("Values", .onDedicatedThread)
struct ValueTests {
    @Test("IP addresses parse and print canonically", arguments: [
        ("10.0.0.1", "10.0.0.1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::1:0:0:1", "fe80::1:0:0:1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ])
    func ipParsing(_ input: String, _ expected: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == expected)
        #expect(IPAddress(address.description) == address)
        #expect(IPAddress(bytes: address.bytes) == address)
    }

    @Test("malformed IP addresses are rejected", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1::2::3", ":::", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1.2.3.4::",
    ])
    func ipRejects(_ input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test("strings compare by bytes, so canonically equivalent spellings stay distinct")
    func byteWiseStrings() {
        let composed: Value = .string("\u{E9}")
        let decomposed: Value = .string("e\u{301}")
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        #expect(composed.encodedBytes() != decomposed.encodedBytes())
    }

    @Test("values order by kind, then content")
    func ordering() {
        let sorted: [Value] = [false, true, -5, 3, "a", "b", .bytes([0]), .ipAddress(.v4(1)), .ipAddress(IPAddress("::1")!), .tuple([1]), .tuple([1, 2])]
        #expect(sorted.reversed().sorted() == sorted)
    }
}
