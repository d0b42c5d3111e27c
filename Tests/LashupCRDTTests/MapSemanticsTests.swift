import LashupCRDT
import LashupTestSupport
import Testing

@Suite("OR-map semantics", .onDedicatedThread)
struct MapSemanticsTests {
    let a: ReplicaID = "a", b: ReplicaID = "b"
    let backends: Value = .tuple(["tcp", .ipAddress(IPAddress("11.0.0.1")!), 80])

    @Test("a field update concurrent with its removal survives (update wins)")
    func updateWinsOverRemove() {
        var left = Causal<ORMap>()
        left.apply([.update(backends, .add("10.0.0.1:80"))], by: a)
        var right = left
        let removal = left.apply([.remove(FieldKey(backends, .set))], by: a)
        let update = right.apply([.update(backends, .add("10.0.0.2:80"))], by: b)
        left.merge(update)
        right.merge(removal)
        #expect(left == right)
        // Only the concurrent add survives: the remove took away what it observed.
        #expect(left.store.set(backends) == ["10.0.0.2:80"])
    }

    @Test("removing an absent field is forgiven")
    func removeAbsentField() {
        var map = Causal<ORMap>()
        let delta = map.apply([.remove(FieldKey("missing", .counter))], by: a)
        #expect(delta.isEmptyDelta)
        #expect(map.store.isEmpty)
    }

    @Test("operations in one update apply atomically and in order")
    func atomicBatch() {
        var map = Causal<ORMap>()
        let delta = map.apply([
            .update("hosts", .add("h1")),
            .update("hosts", .add("h2")),
            .update("hosts", .remove("h1")),
            .update("count", .increment(5)),
            .update("owner", .assign("team-a", timestamp: 10)),
        ], by: a)
        #expect(map.store.set("hosts") == ["h2"])
        var receiver = Causal<ORMap>()
        receiver.merge(delta)
        #expect(receiver == map, "one delta carries the whole batch")
    }

    @Test("fields of the same name and different types are independent")
    func typedFields() {
        var map = Causal<ORMap>()
        map.apply([.update("x", .increment(3)), .update("x", .assign("three", timestamp: 1))], by: a)
        map.apply([.remove(FieldKey("x", .counter))], by: a)
        #expect(map.store.counter("x") == 0)
        #expect(map.store.register("x") == "three")
    }

    @Test("nested maps update and remove like top-level ones")
    func nestedMaps() {
        var map = Causal<ORMap>()
        map.apply([.update("vtep-1", .update([
            .update("mac", .assign("70:b3:d5:80:00:01", timestamp: 1)),
            .update("subnets", .add("9.0.1.0/24")),
        ]))], by: a)
        var other = map
        let removal = map.apply([.update("vtep-1", .update([.remove(FieldKey("subnets", .set))]))], by: a)
        let update = other.apply([.update("vtep-1", .update([.update("subnets", .add("9.0.2.0/24"))]))], by: b)
        map.merge(update)
        other.merge(removal)
        #expect(map == other)
        #expect(map.store.map("vtep-1")?.set("subnets") == ["9.0.2.0/24"])
        #expect(map.store.map("vtep-1")?.register("mac") == "70:b3:d5:80:00:01")
    }

    @Test("a counter removed concurrently with an increment keeps that replica's total")
    func counterResetSemantics() {
        var left = Causal<ORMap>()
        left.apply([.update("n", .increment(5))], by: a)
        var right = left
        let removal = left.apply([.remove(FieldKey("n", .counter))], by: b)
        let increment = right.apply([.update("n", .increment(1))], by: a)
        left.merge(increment)
        right.merge(removal)
        #expect(left == right)
        #expect(left.store.counter("n") == 6, "riak_dt emcntr: the surviving dot carries a's running total")
        // After observing the remove, the counter restarts from zero.
        var reset = Causal<ORMap>()
        reset.apply([.update("n", .increment(5))], by: a)
        reset.apply([.remove(FieldKey("n", .counter))], by: b)
        reset.apply([.update("n", .increment(2))], by: a)
        #expect(reset.store.counter("n") == 2)
    }
}

@Suite("Register, flag and counter semantics", .onDedicatedThread)
struct ScalarSemanticsTests {
    let a: ReplicaID = "a", b: ReplicaID = "b"

    @Test("the higher timestamp wins regardless of arrival order")
    func higherTimestampWins() {
        var left = Causal<LWWRegister>()
        var right = Causal<LWWRegister>()
        let late = left.assign("new", timestamp: 200, by: a)
        let early = right.assign("old", timestamp: 100, by: b)
        left.merge(early)
        right.merge(late)
        #expect(left == right)
        #expect(left.store.value == "new")
        // An older write after observing a newer one is a no-op.
        #expect(left.assign("stale", timestamp: 150, by: b).isEmptyDelta)
        #expect(left.store.value == "new")
    }

    @Test("timestamp ties break by value, then by writer")
    func tieBreaks() {
        var left = Causal<LWWRegister>()
        var right = Causal<LWWRegister>()
        let fromA = left.assign("apple", timestamp: 7, by: a)
        let fromB = right.assign("banana", timestamp: 7, by: b)
        left.merge(fromB)
        right.merge(fromA)
        #expect(left.store.value == "banana")
        #expect(right.store.value == "banana")

        var sameValueA = Causal<LWWRegister>()
        var sameValueB = Causal<LWWRegister>()
        let writeA = sameValueA.assign("same", timestamp: 7, by: a)
        let writeB = sameValueB.assign("same", timestamp: 7, by: b)
        sameValueA.merge(writeB)
        sameValueB.merge(writeA)
        #expect(sameValueA.store.winner?.writer == b)
        #expect(sameValueB.store.winner?.writer == b)
    }

    @Test("a concurrent enable beats a disable")
    func enableWins() {
        var left = Causal<EnableWinsFlag>()
        left.enable(by: a)
        var right = left
        let disable = left.disable()
        let enable = right.enable(by: b)
        left.merge(enable)
        right.merge(disable)
        #expect(left.store.isEnabled && right.store.isEnabled)
        // A disable that observed every enable wins.
        let finalDisable = left.disable()
        right.merge(finalDisable)
        #expect(!right.store.isEnabled)
    }

    @Test("counters add increments and decrements from every replica")
    func counterSums() {
        var left = Causal<PNCounter>()
        var right = Causal<PNCounter>()
        let d1 = left.increment(by: 10, by: a)
        let d2 = right.increment(by: -3, by: b)
        let d3 = right.increment(by: 1, by: b)
        left.merge(d2)
        left.merge(d3)
        right.merge(d1)
        #expect(left.store.value == 8)
        #expect(right.store.value == 8)
        #expect(left.store.dotCount == 2, "one dot per replica however many increments")
    }

    @Test("counters saturate instead of trapping")
    func counterSaturates() {
        var counter = Causal<PNCounter>()
        counter.increment(by: .max, by: a)
        counter.increment(by: .max, by: a)
        counter.increment(by: .max, by: a)
        #expect(counter.store.value == .max)
    }
}
