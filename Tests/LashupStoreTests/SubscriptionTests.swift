import LashupCRDT
import LashupStore
import LashupTestSupport
import Testing

@Suite("Subscriptions", .onDedicatedThread)
struct SubscriptionTests {
    func key(_ path: String) -> Key { try! Key(parsing: path) }

    func take(_ registry: inout SubscriptionRegistry, _ id: SubscriptionID, _ space: KeySpace) -> SubscriptionBatch? {
        registry.drain(id, space: space)
    }

    /// Applies an update and tells the registry, as the store does.
    func write(_ space: inout KeySpace, _ registry: inout SubscriptionRegistry, _ path: String, _ operations: [MapOperation]) throws {
        let before = space.value(key(path))
        let (after, _) = try space.update(key(path), operations, by: "a#1")
        registry.changed(key(path), from: before, to: after)
    }

    @Test("existing matching keys first, then each change, coalesced per key")
    func existingThenChanges() throws {
        var space = KeySpace()
        var registry = SubscriptionRegistry()
        try write(&space, &registry, "dns/zones/a", [.update("records", .add("r1"))])
        try write(&space, &registry, "other/x", [.update("f", .enable)])
        let id = registry.subscribe(try KeyPattern(parsing: "dns/zones"), space: space)
        let first = try #require(take(&registry, id, space))
        #expect(first.changes.map(\.key) == [key("dns/zones/a")])

        try write(&space, &registry, "dns/zones/b", [.update("records", .add("r2"))])
        try write(&space, &registry, "dns/zones/a", [.update("records", .add("r3"))])
        try write(&space, &registry, "dns/zones/b", [.update("records", .add("r4"))])
        try write(&space, &registry, "other/x", [.update("f", .disable)])
        let second = try #require(take(&registry, id, space))
        #expect(second.changes.map(\.key) == [key("dns/zones/b"), key("dns/zones/a")])
        #expect(second.changes[0].value.store.set("records") == ["r2", "r4"], "only the newest value per key")
        let pending = take(&registry, id, space)
        #expect(pending?.changes.isEmpty == true)
    }

    @Test("a change that changes nothing is never delivered")
    func noOpChanges() throws {
        var space = KeySpace()
        var registry = SubscriptionRegistry()
        try write(&space, &registry, "k", [.update("owner", .assign("team-a", timestamp: 10))])
        let id = registry.subscribe(try KeyPattern(parsing: "k"), space: space)
        _ = registry.drain(id, space: space)
        // An older write loses: the value does not change.
        try write(&space, &registry, "k", [.update("owner", .assign("team-b", timestamp: 5))])
        let pending = take(&registry, id, space)
        #expect(pending?.changes.isEmpty == true)
    }

    @Test("a subscriber that falls behind is resynchronised, not silently truncated")
    func overflow() throws {
        var space = KeySpace()
        var registry = SubscriptionRegistry(maximumPendingKeys: 3)
        let id = registry.subscribe(try KeyPattern(parsing: ""), space: space)
        for index in 0..<5 { try write(&space, &registry, "k\(index)", [.update("n", .increment(1))]) }
        #expect(registry.overflows == 1)
        let batch = try #require(take(&registry, id, space))
        #expect(batch.resynchronised)
        #expect(batch.changes.count == 5, "every matching key, current value")
        let pending = take(&registry, id, space)
        #expect(pending?.resynchronised == false)
    }

    @Test("deletes are delivered as empty values")
    func deletes() throws {
        var space = KeySpace()
        var registry = SubscriptionRegistry()
        try write(&space, &registry, "k", [.update("f", .enable)])
        let id = registry.subscribe(try KeyPattern(parsing: "k"), space: space)
        _ = registry.drain(id, space: space)
        let before = space.value(key("k"))
        space.delete(key("k"), by: "a#1")
        registry.changed(key("k"), from: before, to: space.value(key("k")))
        let batch = try #require(take(&registry, id, space))
        #expect(batch.changes.count == 1 && batch.changes[0].value.store.isEmpty)
        registry.unsubscribe(id)
        let pending = take(&registry, id, space)
        #expect(pending == nil)
    }
}
