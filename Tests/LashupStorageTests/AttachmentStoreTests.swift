import Foundation
@testable import LashupStorage
import Testing

@Suite("Attachments in SQLite")
struct AttachmentStoreTests {
    @Test("every attachment commit is fsynced: the connection runs synchronous=FULL after WAL is on")
    func commitsAreSynced() throws {
        let directory = NSTemporaryDirectory() + "lashup-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Opened twice: a new database and an existing one (already in WAL) take different
        // paths through the journal-mode switch.
        for _ in 0..<2 {
            let store = try SQLiteAttachmentStore(directory: directory)
            #expect(try store.synchronousSetting() == 2, "2 is FULL; NORMAL (1) skips the fsync of each WAL commit")
        }
    }
}
