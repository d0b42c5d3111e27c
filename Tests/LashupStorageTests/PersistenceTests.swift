import Foundation
import LashupCRDT
import LashupStorage
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
        for index in 0..<200 {
            let key = try Key(["k", "\(index % 50)"])
            let (value, _) = try space.update(key, [.update("n", .increment(1)), .update("s", .add(.integer(Int64(index))))], by: "a#1")
            try await storage!.write([KeyState(key: key, state: value)])
        }
        storage = nil
        let reopened = try SQLiteStorage(directory: directory).loadAll()
        #expect(reopened.objects.count == 50)
        for key in space.objects.keys {
            #expect(reopened.value(key) == space.value(key))
        }
    }

    @Test("every commit is fsynced: the writer runs synchronous=FULL after the pool set up WAL")
    func commitsAreSynced() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Opened twice: a new database and an existing one take different paths in GRDB.
        for _ in 0..<2 {
            let storage = try SQLiteStorage(directory: directory)
            #expect(try storage.writerSynchronousSetting() == 2, "2 is FULL; NORMAL (1) skips the fsync of each WAL commit")
            storage.close()
        }
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
}
