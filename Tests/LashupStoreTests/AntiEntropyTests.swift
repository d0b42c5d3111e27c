import LashupCRDT
import LashupStore
import LashupTestSupport
import LashupWire
import PropertyBased
import Testing

@Suite("Anti-entropy", .onDedicatedThread)
struct AntiEntropyTests {
    /// Runs sessions between a and b (a opening) until neither has anything to say; returns
    /// the number of messages exchanged.
    @discardableResult
    func reconcile(_ a: inout KeySpace, _ b: inout KeySpace, protocol antiEntropy: AntiEntropy = AntiEntropy(), sessions: Int = 1) -> Int {
        var messages = 0
        for _ in 0..<sessions {
            var message: AntiEntropyMessage? = antiEntropy.open(a)
            var atB = true
            while let current = message {
                messages += 1
                message = atB ? antiEntropy.receive(current, space: &b) : antiEntropy.receive(current, space: &a)
                atB.toggle()
            }
        }
        return messages
    }

    func allKeys(_ spaces: KeySpace...) -> Set<Key> {
        spaces.reduce(into: Set<Key>()) { $0.formUnion($1.objects.keys) }
    }

    /// The original's test, generalised: every replica writes before any broadcast exists, and
    /// digest exchange alone brings every replica to every write (counters to the full total).
    @Test("two replicas that never exchanged a delta converge through one session")
    func divergedReplicasConverge() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...1_000_000).array(of: 0...80)) { script in
            var a = KeySpace(), b = KeySpace()
            var totals: [Key: Int64] = [:]
            for code in script {
                let key = try! Key(["k\(code % 13)"])
                let amount = Int64(code % 5) + 1
                if code % 2 == 0 {
                    try! a.update(key, [.update("n", .increment(amount)), .update("s", .add(.integer(Int64(code % 3))))], by: "a#1")
                } else {
                    try! b.update(key, [.update("n", .increment(amount)), .update("s", .remove(.integer(Int64(code % 3))))], by: "b#1")
                }
                totals[key, default: 0] += amount
            }
            reconcile(&a, &b)
            for key in allKeys(a, b) {
                #expect(a.value(key) == b.value(key), "\(key) differs after anti-entropy")
                #expect(a.value(key).store.counter("n") == totals[key])
            }
            #expect(a.bucketDigests() == b.bucketDigests())
        }
    }

    @Test("identical replicas exchange only the bucket hashes")
    func nothingToDo() throws {
        var a = KeySpace()
        try a.update(try Key(parsing: "x/y"), [.update("f", .enable)], by: "a#1")
        var b = a
        #expect(reconcile(&a, &b) == 1)
    }

    @Test("a replica with a wiped store receives everything, whatever its name")
    func wipedReplica() throws {
        var survivor = KeySpace()
        for index in 0..<50 {
            try survivor.update(try Key(["dns", "zones", "z\(index)"]), [.update("records", .assign(.string("r\(index)"), timestamp: 1))], by: "a#1")
        }
        var wiped = KeySpace()
        reconcile(&wiped, &survivor)
        #expect(wiped.objects.count == 50)
        #expect(wiped.bucketDigests() == survivor.bucketDigests())
    }

    @Test("state messages are bounded; further sessions finish the job")
    func boundedSessions() throws {
        var source = KeySpace()
        for index in 0..<40 {
            try source.update(try Key(["k\(index)"]), [.update("blob", .assign(.bytes([UInt8](repeating: UInt8(index), count: 500)), timestamp: 1))], by: "a#1")
        }
        var target = KeySpace()
        var small = AntiEntropy()
        small.maximumStateBytes = 4_000
        reconcile(&target, &source, protocol: small)
        #expect(target.objects.count > 0 && target.objects.count < 40, "one session moves at most the byte budget")
        reconcile(&target, &source, protocol: small, sessions: 10)
        #expect(target.objects.count == 40)
        #expect(target.bucketDigests() == source.bucketDigests())
    }

    @Test("key-digest messages are bounded by whole buckets; further sessions finish the job")
    func boundedDigestMessages() throws {
        var source = KeySpace()
        for index in 0..<600 {
            try source.update(try Key(["k\(index)"]), [.update("n", .increment(1))], by: "a#1")
        }
        var target = KeySpace()
        var small = AntiEntropy()
        small.maximumDigestsPerMessage = 50
        guard case let .keys(buckets, digests)? = small.receive(small.open(target), space: &source) else {
            Issue.record("expected a keys message")
            return
        }
        #expect(buckets.count < KeySpace.bucketCount)
        #expect(digests.allSatisfy { buckets.contains(KeySpace.bucket(of: $0.key)) })
        let perBucket = Dictionary(grouping: source.objects.keys, by: KeySpace.bucket(of:))
        #expect(digests.count == buckets.reduce(0) { $0 + (perBucket[$1]?.count ?? 0) }, "whole buckets")
        #expect(digests.count <= 50 + (perBucket.values.map(\.count).max() ?? 0))
        reconcile(&target, &source, protocol: small, sessions: 40)
        #expect(target.bucketDigests() == source.bucketDigests())
    }

    @Test("cached digests always equal digests computed from scratch")
    func cachedDigestsAreExact() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...1_000_000).array(of: 1...60)) { script in
            var space = KeySpace()
            for code in script {
                let key = try! Key(["k\(code % 7)"])
                switch code % 4 {
                case 0: space.delete(key, by: "a#1")
                case 1: space.forget(key)
                default: try! space.update(key, [.update("n", .increment(Int64(code % 9)))], by: "a#1")
                }
                if code % 3 == 0 { space.refreshDigests() }
            }
            var scratch = Array(repeating: UInt64(0), count: KeySpace.bucketCount)
            for (key, state) in space.objects {
                scratch[KeySpace.bucket(of: key)] ^= KeySpace.digest(of: key, state: state)
            }
            #expect(space.bucketDigests() == scratch)
            space.refreshDigests()
            #expect(space.bucketDigests() == scratch)
        }
    }

    @Test("every anti-entropy message survives the wire; damaged ones are refused by name")
    func wireRoundTrip() throws {
        var space = KeySpace()
        try space.update(try Key(["a", "b"]), [.update("s", .add("x")), .update("n", .increment(3))], by: "a#1")
        let key = try Key(["a", "b"])
        let messages: [AntiEntropyMessage] = [
            .buckets(space.bucketDigests()),
            .keys(buckets: [KeySpace.bucket(of: key)], space.keyDigests(inBuckets: [KeySpace.bucket(of: key)])),
            .states([KeyState(key: key, state: space.value(key))], wanted: [key]),
        ]
        for message in messages {
            let bytes = message.encodedBytes()
            #expect(try AntiEntropyMessage(decoding: bytes) == message)
            for cut in [1, bytes.count / 2, bytes.count - 1] where cut < bytes.count {
                #expect(throws: WireError.self) { try AntiEntropyMessage(decoding: bytes.prefix(cut)) }
            }
        }
        #expect(throws: WireError.self) { try AntiEntropyMessage(decoding: [9]) }
        var tooMany = WireWriter()
        tooMany.writeUInt8(1)
        tooMany.writeVarint(KeySpace.bucketCount + 1)
        for _ in 0...KeySpace.bucketCount { tooMany.writeUInt64(0) }
        #expect(throws: WireError.self) { try AntiEntropyMessage(decoding: tooMany.bytes) }
    }

    @Test("digests are stable values, not per-process hashes")
    func stableDigests() throws {
        #expect(StableHash.hash([1, 2, 3]) == StableHash.hash([1, 2, 3]))
        #expect(StableHash.hash([1, 2, 3]) != StableHash.hash([1, 2, 4]))
        #expect(StableHash.hash([]) == StableHash.mix(0xCBF2_9CE4_8422_2325), "FNV-1a offset basis, mixed")
    }
}
