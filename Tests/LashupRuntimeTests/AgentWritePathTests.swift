import Foundation
import LashupCRDT
import LashupCluster
import LashupRuntime
import LashupStorage
import LashupStore
import Logging
import Testing

/// The agent's one durable-write path (driver → grouped SQLite transactions) and the change
/// feeds services get from it, on a real single-node agent.
@Suite("Agent write path")
struct AgentWritePathTests {
    /// A single-node dev agent whose data directory lives under `home`.
    static func start(home: String, maximumPendingSteps: Int = NodeDriver.defaultMaximumPendingSteps) async throws -> Agent {
        let configuration = try AgentConfiguration(
            settings: ["dev": "true", "name": "write-path", "bind": "127.0.0.1:0", "data_dir": "\(home)/data"],
            home: home, hostName: "unused"
        )
        var logger = Logger(label: "write-path-test")
        logger.logLevel = .warning
        return try await Agent.start(configuration, home: home, logger: logger, maximumPendingSteps: maximumPendingSteps)
    }

    static func temporaryHome() -> String { NSTemporaryDirectory() + "lashup-write-path-\(UUID().uuidString)" }

    @Test("acknowledged updates and deletes survive a restart")
    func durableAcrossRestart() async throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let vips = try Key(parsing: "minuteman/vips2")
        let zone = try Key(parsing: "dns/zones/old")
        let first = try await Self.start(home: home)
        let cluster = AgentCluster(driver: first.driver)
        _ = try await cluster.update(vips, [.update("backends", .add("10.0.0.1:80"))])
        _ = try await cluster.update(zone, [.update("records", .enable)])
        #expect(try await cluster.delete(zone))
        await first.stop()

        let second = try await Self.start(home: home)
        let reopened = AgentCluster(driver: second.driver)
        #expect(await reopened.value(vips)?.store.set("backends") == ["10.0.0.1:80"])
        #expect(await reopened.value(zone) == nil)
        #expect(await reopened.keys(matching: try KeyPattern(parsing: ""), limit: 10).keys == [try Key(parsing: "minuteman/vips2"), try Key(parsing: "nodes/write-path")].sorted())
        await second.stop()
        let tombstone = try SQLiteStorage(directory: "\(home)/data").loadAll().value(zone)
        #expect(tombstone.store.isEmpty && !tombstone.context.isEmpty, "the tombstone is on disk")
    }

    @Test("concurrent updates share transactions, and every acknowledged one is on disk")
    func groupCommit() async throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let agent = try await Self.start(home: home)
        let cluster = AgentCluster(driver: agent.driver)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<32 {
                group.addTask {
                    for index in 0..<20 {
                        _ = try await cluster.update(try Key(["w\(writer)", "\(index)"]), [.update("n", .increment(1))])
                    }
                }
            }
            try await group.waitForAll()
        }
        let statistics = await agent.driver.statistics()
        await agent.stop()
        #expect(statistics.commitPersists >= 32 * 20)
        #expect(statistics.commitTransactions < statistics.commitPersists, "persists were grouped into fewer transactions")
        let space = try SQLiteStorage(directory: "\(home)/data").loadAll()
        for writer in 0..<32 {
            for index in 0..<20 { #expect(space.value(try Key(["w\(writer)", "\(index)"])).store.counter("n") == 1) }
        }
    }

    @Test("beyond the bound on steps waiting for the disk, updates are refused explicitly")
    func overloadRefuses() async throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let agent = try await Self.start(home: home, maximumPendingSteps: 1)
        let cluster = AgentCluster(driver: agent.driver)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        _ = try await cluster.update(try Key(["load", "k\(index)"]), [.update("n", .increment(1))])
                        return false
                    } catch ClusterError.rejected(.overloaded) {
                        return true
                    }
                }
            }
            var refused = 0
            for try await wasRefused in group where wasRefused { refused += 1 }
            return refused
        }
        let statistics = await agent.driver.statistics()
        await agent.stop()
        #expect(outcomes > 0, "some updates were refused")
        #expect(statistics.commitRejected == outcomes)
        // Nothing refused was applied; everything accepted is on disk.
        #expect(try SQLiteStorage(directory: "\(home)/data").loadAll().keys(matching: try KeyPattern(parsing: "load")).count == 200 - outcomes)
    }

    @Test("a change feed yields existing keys, then changes, coalesced, and ends when its task is cancelled")
    func changeFeed() async throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let agent = try await Self.start(home: home)
        let cluster = AgentCluster(driver: agent.driver)
        let existing = try Key(parsing: "dns/zones/a")
        _ = try await cluster.update(existing, [.update("records", .add("r1"))])
        let feed = try await cluster.changes(matching: try KeyPattern(parsing: "dns/zones"))
        var iterator = feed.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.changes.map(\.key) == [existing] && first?.resynchronised == false)
        _ = try await cluster.update(try Key(parsing: "other/x"), [.update("f", .enable)])
        let second = try Key(parsing: "dns/zones/b")
        _ = try await cluster.update(second, [.update("records", .add("r2"))])
        _ = try await cluster.update(second, [.update("records", .add("r3"))])
        let next = await iterator.next()
        #expect(next?.changes.map(\.key) == [second], "one change for b, none for other/x")
        #expect(next?.changes.first?.value.store.set("records") == ["r2", "r3"])

        // The consumer says when its first batch arrived, so the cancel below cannot race the
        // subscription (a fixed sleep did on CI's loaded cores and saw no batch at all).
        let (firstBatchSeen, signal) = AsyncStream<Void>.makeStream()
        let consumer = Task {
            var batches = 0
            for await _ in try await cluster.changes(matching: try KeyPattern(parsing: "nothing")) {
                batches += 1
                signal.yield()
            }
            return batches
        }
        for await _ in firstBatchSeen { break }
        consumer.cancel()
        #expect(try await consumer.value == 1, "only the (empty) first batch, then the end")
        await agent.stop()
        #expect(await iterator.next() == nil, "a stopped node ends its feeds")
    }
}
