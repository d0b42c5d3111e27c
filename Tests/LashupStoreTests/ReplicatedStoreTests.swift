import Foundation
import LashupCRDT
import LashupStore
import Testing

@Suite("Replicated store")
struct ReplicatedStoreTests {
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "lashup-store-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("acknowledged updates and deletes survive a restart")
    func durable() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vips = try Key(parsing: "minuteman/vips2")
        let zone = try Key(parsing: "dns/zones/old")
        do {
            let store = try ReplicatedStore(replica: "a#1", storage: try SQLiteStorage(directory: directory))
            try await store.update(vips, [.update("backends", .add("10.0.0.1:80"))])
            try await store.update(zone, [.update("records", .enable)])
            try await store.delete(zone)
        }
        let reopened = try ReplicatedStore(replica: "a#2", storage: try SQLiteStorage(directory: directory))
        #expect(await reopened.value(vips).store.set("backends") == ["10.0.0.1:80"])
        #expect(await reopened.keys(matching: try KeyPattern(parsing: "")) == [vips])
        let tombstone = await reopened.value(zone)
        #expect(tombstone.store.isEmpty && !tombstone.context.isEmpty, "the tombstone survived")
    }

    @Test("a subscription yields existing keys, then changes, and ends when cancelled")
    func subscription() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try ReplicatedStore(replica: "a#1", storage: try SQLiteStorage(directory: directory))
        let existing = try Key(parsing: "dns/zones/a")
        try await store.update(existing, [.update("records", .add("r1"))])
        let subscription = await store.subscribe(matching: try KeyPattern(parsing: "dns/zones"))
        var iterator = subscription.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.key == existing && first?.value.store.set("records") == ["r1"])
        try await store.update(try Key(parsing: "other/x"), [.update("f", .enable)])
        try await store.update(try Key(parsing: "dns/zones/b"), [.update("records", .add("r2"))])
        // A remote delta that changes something is delivered; the same one again is not.
        var remote = KeySpace()
        let (_, delta) = try remote.update(existing, [.update("records", .add("r9"))], by: "b#1")
        let changed = try await store.merge(existing, delta)
        let changedAgain = try await store.merge(existing, delta)
        #expect(changed)
        #expect(!changedAgain)
        let second = await iterator.next()
        let third = await iterator.next()
        #expect(second?.key == (try Key(parsing: "dns/zones/b")))
        #expect(third?.key == existing && third?.value.store.set("records") == ["r1", "r9"])
        await subscription.cancel()
    }

    @Test("a cancelled subscription's consumer finishes, whether it was waiting or not yet")
    func cancelEndsIteration() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try ReplicatedStore(replica: "a#1", storage: try SQLiteStorage(directory: directory))
        let subscription = await store.subscribe(matching: try KeyPattern(parsing: "nothing"))
        let consumer = Task {
            var count = 0
            for await _ in subscription { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        await subscription.cancel()
        #expect(await consumer.value == 0)
        // Cancelled before anyone iterates: the iteration ends at once.
        let early = await store.subscribe(matching: try KeyPattern(parsing: "nothing"))
        await early.cancel()
        var iterator = early.makeAsyncIterator()
        #expect(await iterator.next() == nil)
    }
}
