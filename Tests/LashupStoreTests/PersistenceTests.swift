import Foundation
import LashupCRDT
import LashupStore
import Testing

@Suite("Persistence in SQLite")
struct PersistenceTests {
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "lashup-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("acknowledged writes survive reopening, byte for byte")
    func roundTrip() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var space = KeySpace()
        var storage: SQLiteStorage? = try SQLiteStorage(directory: directory)
        let committer = GroupCommitter(storage: storage!)
        for index in 0..<200 {
            let key = try Key(["k", "\(index % 50)"])
            let (value, _) = try space.update(key, [.update("n", .increment(1)), .update("s", .add(.integer(Int64(index))))], by: "a#1")
            try await committer.persist(key, value)
        }
        storage = nil
        let reopened = try SQLiteStorage(directory: directory).loadAll()
        #expect(reopened.objects.count == 50)
        for key in space.objects.keys {
            #expect(reopened.value(key) == space.value(key))
        }
    }

    @Test("concurrent writers are grouped into few transactions and all are durable")
    func groupCommit() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storage = try SQLiteStorage(directory: directory)
        let committer = GroupCommitter(storage: storage)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<32 {
                group.addTask {
                    var space = KeySpace()
                    for index in 0..<50 {
                        let key = try Key(["w\(writer)", "\(index)"])
                        let (value, _) = try space.update(key, [.update("v", .assign(.integer(Int64(index)), timestamp: 1))], by: ReplicaID("w\(writer)"))
                        try await committer.persist(key, value)
                    }
                }
            }
            try await group.waitForAll()
        }
        let groups = await committer.groupsWritten
        let states = await committer.statesWritten
        #expect(states == 32 * 50)
        #expect(groups < states, "writes were grouped")
        #expect(try SQLiteStorage(directory: directory).loadAll().objects.count == 32 * 50)
    }

    @Test("the incarnation increases across restarts")
    func incarnation() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SQLiteStorage(directory: directory).nextIncarnation()
        let second = try SQLiteStorage(directory: directory).nextIncarnation()
        #expect(first == 1 && second == 2)
    }

    @Test("a corrupt data directory is reported, not overwritten")
    func corruptFile() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/lashup.sqlite"
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try garbage.write(to: URL(fileURLWithPath: file))
        #expect(throws: StorageError.self) { try SQLiteStorage(directory: directory) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == garbage, "the file is left as it was")
    }

    @Test("a full write queue refuses explicitly")
    func overload() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let committer = GroupCommitter(storage: try SQLiteStorage(directory: directory), maximumPending: 1)
        var refused = 0
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        try await committer.persist(try Key(["k\(index)"]), Causal())
                        return false
                    } catch StoreError.overloaded {
                        return true
                    }
                }
            }
            for try await wasRefused in group where wasRefused { refused += 1 }
        }
        #expect(refused > 0)
        #expect(await committer.rejected == refused)
    }
}
