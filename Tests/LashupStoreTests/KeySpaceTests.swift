import LashupCRDT
import LashupStore
import LashupTestSupport
import PropertyBased
import Testing

@Suite("Keys and patterns", .onDedicatedThread)
struct KeyTests {
    @Test("valid keys parse and print as paths")
    func parse() throws {
        let key = try Key(parsing: "minuteman/vips2")
        #expect(key.segments == ["minuteman", "vips2"])
        #expect(key.description == "minuteman/vips2")
        #expect(try Key(decoding: key.encodedBytes()) == key)
    }

    @Test("malformed keys are refused with a reason", arguments: ["", "a//b", "/a", "a/", String(repeating: "x", count: 256)])
    func invalid(_ path: String) {
        #expect(throws: StoreError.self) { try Key(parsing: path) }
    }

    @Test("too many segments or bytes are refused")
    func limits() {
        #expect(throws: StoreError.self) { try Key((0..<17).map { "s\($0)" }) }
        #expect(throws: StoreError.self) { try Key((0..<5).map { _ in String(repeating: "y", count: 250) }) }
    }

    @Test("patterns match by prefix with single-segment wildcards")
    func patterns() throws {
        let overlay = try KeyPattern(parsing: "navstar/overlay/*")
        #expect(overlay.matches(try Key(parsing: "navstar/overlay/9.0.0.0-8")))
        #expect(overlay.matches(try Key(parsing: "navstar/overlay/9.0.0.0-8/extra")))
        #expect(!overlay.matches(try Key(parsing: "navstar/overlay")))
        #expect(!overlay.matches(try Key(parsing: "navstar/other/x")))
        #expect(try KeyPattern(parsing: "").matches(try Key(parsing: "anything")))
        #expect(try KeyPattern(parsing: "*/vips2").matches(try Key(parsing: "minuteman/vips2")))
    }

    @Test("keys compare by bytes, so canonically equivalent spellings stay distinct")
    func byteWise() throws {
        let composed = try Key(["caf\u{E9}"])
        let decomposed = try Key(["cafe\u{301}"])
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
    }
}

@Suite("Key space", .onDedicatedThread)
struct KeySpaceTests {
    let vips = try! Key(parsing: "minuteman/vips2")
    let backend: Value = .tuple(["tcp", .ipAddress(IPAddress("11.0.0.1")!), 80])

    @Test("an update returns the new value and a delta that reproduces it elsewhere")
    func updateAndReplicate() throws {
        var local = KeySpace()
        var remote = KeySpace()
        let (value, delta) = try local.update(vips, [.update(backend, .add("10.0.0.5:8080"))], by: "a#1")
        #expect(value.store.set(backend) == ["10.0.0.5:8080"])
        let changed = remote.merge(vips, delta)
        #expect(changed)
        #expect(remote.value(vips) == local.value(vips))
        let changedAgain = remote.merge(vips, delta)
        #expect(!changedAgain, "a repeated delta is a no-op and reported as such")
    }

    @Test("compare-and-set fails clearly when the key changed since it was read")
    func compareAndSet() throws {
        var space = KeySpace()
        try space.update(vips, [.update("n", .increment(1))], by: "a#1")
        let read = space.value(vips).context.versionVector
        try space.update(vips, [.update("n", .increment(1))], context: read, by: "a#1")
        #expect(space.value(vips).store.counter("n") == 2)
        #expect(throws: StoreError.self) {
            try space.update(vips, [.update("n", .increment(1))], context: read, by: "a#1")
        }
        #expect(space.value(vips).store.counter("n") == 2, "a failed compare-and-set changes nothing")
    }

    @Test("updates beyond the limits are refused before anything changes")
    func limitsRefused() throws {
        var limits = StoreLimits()
        limits.maximumValueBytes = 100
        limits.maximumNestingDepth = 2
        var space = KeySpace(limits: limits)
        #expect(throws: StoreError.self) {
            try space.update(vips, [.update("x", .increment(1)), .update("big", .assign(.bytes([UInt8](repeating: 0, count: 200)), timestamp: 1))], by: "a#1")
        }
        #expect(space.value(vips).store.isEmpty, "atomic: the valid first operation was not applied either")
        let deep: MapOperation = .update("l1", .update([.update("l2", .update([.update("l3", .enable)]))]))
        #expect(throws: StoreError.nestingTooDeep(depth: 3, limit: 2)) { try space.update(vips, [deep], by: "a#1") }
    }

    @Test("keys list by pattern in key order")
    func listing() throws {
        var space = KeySpace()
        for path in ["dns/zones/b", "dns/zones/a", "minuteman/vips2", "dns/other"] {
            try space.update(try Key(parsing: path), [.update("f", .enable)], by: "a#1")
        }
        #expect(space.keys(matching: try KeyPattern(parsing: "dns/zones")).map(\.description) == ["dns/zones/a", "dns/zones/b"])
        #expect(space.keys(matching: try KeyPattern(parsing: "")).count == 4)
    }

    /// Several replicas update random keys and exchange deltas in random order with
    /// duplicates: all converge, and every counter equals the sum of its increments.
    @Test("replicas converge on every key and lose no increment")
    func convergence() async {
        await propertyCheck(count: 50, input: Gen.int(in: 0...1_000_000).array(of: 1...60)) { script in
            var replicas = Array(repeating: KeySpace(), count: 3)
            var inFlight: [(Int, Key, Causal<ORMap>)] = []
            var expected: [Key: Int64] = [:]
            for code in script {
                let replica = code % 3
                let key = try! Key(["k\(code / 3 % 4)"])
                if code % 5 == 4, !inFlight.isEmpty {
                    let (destination, deliveredKey, delta) = inFlight.remove(at: code % inFlight.count)
                    replicas[destination].merge(deliveredKey, delta)
                    continue
                }
                let amount = Int64(code % 7) - 3
                let (_, delta) = try! replicas[replica].update(key, [.update("n", .increment(amount))], by: ReplicaID("r\(replica)"))
                expected[key, default: 0] += amount
                for destination in 0..<3 where destination != replica {
                    inFlight.append((destination, key, delta))
                    if code % 2 == 0 { inFlight.append((destination, key, delta)) }
                }
            }
            for (destination, key, delta) in inFlight.reversed() { replicas[destination].merge(key, delta) }
            for key in expected.keys {
                #expect(replicas[0].value(key) == replicas[1].value(key))
                #expect(replicas[1].value(key) == replicas[2].value(key))
                #expect(replicas[0].value(key).store.counter("n") == expected[key])
            }
        }
    }
}

@Suite("Deletes", .onDedicatedThread)
struct DeleteTests {
    let key = try! Key(parsing: "navstar/overlay/9.0.0.0-8")

    @Test("a delete hides the key everywhere and leaves a tombstone")
    func deleteReplicates() throws {
        var a = KeySpace(), b = KeySpace()
        let (_, write) = try a.update(key, [.update("vtep", .assign("10.0.0.1", timestamp: 1))], by: "a#1")
        b.merge(key, write)
        let deletion = a.delete(key, by: "a#1")
        b.merge(key, deletion)
        #expect(a.keys(matching: try KeyPattern(parsing: "")).isEmpty)
        #expect(b.keys(matching: try KeyPattern(parsing: "")).isEmpty)
        #expect(b.tombstones == [key])
        // The old write arriving late (duplicated, reordered) does not resurrect the key.
        b.merge(key, write)
        #expect(b.value(key).store.isEmpty)
    }

    @Test("an update concurrent with a delete survives it")
    func updateWinsOverDelete() throws {
        var a = KeySpace(), b = KeySpace()
        let (_, write) = try a.update(key, [.update("vtep", .assign("10.0.0.1", timestamp: 1))], by: "a#1")
        b.merge(key, write)
        let deletion = a.delete(key, by: "a#1")
        let (_, concurrent) = try b.update(key, [.update("mac", .assign("70:b3:d5:80:00:01", timestamp: 2))], by: "b#1")
        a.merge(key, concurrent)
        b.merge(key, deletion)
        #expect(a.value(key) == b.value(key))
        #expect(a.value(key).store.register("mac") == "70:b3:d5:80:00:01")
        #expect(a.value(key).store.register("vtep") == nil, "what the delete observed is gone")
    }

    @Test("deleting an absent key is an empty delta")
    func deleteAbsent() {
        var space = KeySpace()
        #expect(space.delete(key, by: "a#1").isEmptyDelta)
        #expect(space.tombstones.isEmpty)
    }
}
