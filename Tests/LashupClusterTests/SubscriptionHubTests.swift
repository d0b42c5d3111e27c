import LashupCRDT
import LashupCluster
import LashupStore
import Testing

/// The change-feed bookkeeping both cluster implementations share, without any node.
@Suite("Subscription hub")
struct SubscriptionHubTests {
    static let pattern = try! KeyPattern(parsing: "svc")

    static func space(_ keys: [String]) throws -> KeySpace {
        var space = KeySpace()
        for key in keys { try space.update(try Key(parsing: key), [.update("n", .increment(1))], by: "a#1") }
        return space
    }

    /// The hub's next batch for `id`, handed over at once or after `change` runs.
    static func next(_ hub: inout SubscriptionHub, _ id: SubscriptionID, space: KeySpace) async -> SubscriptionBatch? {
        await withCheckedContinuation { continuation in hub.next(id, space: space, continuation: continuation) }
    }

    @Test("the first batch holds every existing matching key, even none; later ones only changes")
    func firstBatchThenChanges() async throws {
        var hub = SubscriptionHub()
        var space = try Self.space(["svc/a", "other/x"])
        let id = try hub.subscribe(Self.pattern, space: space)
        let first = await Self.next(&hub, id, space: space)
        #expect(first?.changes.map(\.key.description) == ["svc/a"] && first?.resynchronised == false)

        let empty = try hub.subscribe(try KeyPattern(parsing: "nothing"), space: space)
        #expect(await Self.next(&hub, empty, space: space)?.changes.isEmpty == true, "caught up, with nothing")

        let before = space.value(try Key(parsing: "svc/b"))
        try space.update(try Key(parsing: "svc/b"), [.update("n", .increment(1))], by: "a#1")
        hub.changed(try Key(parsing: "svc/b"), from: before, space: space)
        hub.changed(try Key(parsing: "other/x"), from: nil, space: space)
        let second = await Self.next(&hub, id, space: space)
        #expect(second?.changes.map(\.key.description) == ["svc/b"])
    }

    @Test("a consumer that falls behind gets one resynchronised batch of everything")
    func overflowResynchronises() async throws {
        var hub = SubscriptionHub(maximumPendingKeys: 2)
        var space = KeySpace()
        let id = try hub.subscribe(Self.pattern, space: space)
        _ = await Self.next(&hub, id, space: space)
        for index in 0..<5 {
            let key = try Key(parsing: "svc/k\(index)")
            let before = space.value(key)
            try space.update(key, [.update("n", .increment(1))], by: "a#1")
            hub.changed(key, from: before, space: space)
        }
        let batch = await Self.next(&hub, id, space: space)
        #expect(batch?.resynchronised == true)
        #expect(batch?.changes.count == 5, "every matching key, as it is now")
        #expect(hub.overflows == 1)
    }

    @Test("feeds are bounded, and a finished hub ends parked consumers and refuses new feeds")
    func boundsAndFinish() async throws {
        var hub = SubscriptionHub(maximumSubscriptions: 2)
        let space = KeySpace()
        let first = try hub.subscribe(Self.pattern, space: space)
        _ = try hub.subscribe(Self.pattern, space: space)
        #expect(throws: ClusterError.tooManySubscriptions(limit: 2)) { try hub.subscribe(Self.pattern, space: space) }
        hub.cancel(first)
        let third = try hub.subscribe(Self.pattern, space: space)
        _ = await Self.next(&hub, third, space: space)
        hub.finish()
        #expect(await Self.next(&hub, third, space: space) == nil)
        #expect(throws: ClusterError.shuttingDown) { try hub.subscribe(Self.pattern, space: space) }
        hub.reopen()
        let fresh = try hub.subscribe(Self.pattern, space: space)
        #expect(fresh != third, "identifiers are never reused")
    }
}
