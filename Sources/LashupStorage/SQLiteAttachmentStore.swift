import Foundation
import GRDB
import LashupCNIProtocol
import LashupOverlay

/// The overlay's container attachments in their own SQLite file of the data directory
/// (`overlay-attachments.sqlite`, WAL, synchronous=FULL): an address is durable before the
/// plugin is told it, so neither a crash of the agent nor of the plugin hands it out twice.
public final class SQLiteAttachmentStore: AttachmentStore {
    public let path: String
    private let queue: DatabaseQueue

    public init(directory: String) throws(StorageError) {
        path = (directory.hasSuffix("/") ? directory : directory + "/") + "overlay-attachments.sqlite"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.label = "overlay-attachments"
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // WAL by hand, not with `configuration.journalMode = .wal`: GRDB's WAL setup also
            // sets synchronous=NORMAL after `prepareDatabase`, undoing FULL (as it did for
            // `SQLiteStorage`'s pool); the bare pragma leaves synchronous alone.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE attachments (
                        overlay TEXT NOT NULL, container_id TEXT NOT NULL, ifname TEXT NOT NULL,
                        address TEXT NOT NULL, address6 TEXT, claimed_ns INTEGER NOT NULL,
                        netns TEXT NOT NULL, created_ns INTEGER NOT NULL,
                        PRIMARY KEY (overlay, container_id, ifname)
                    ) WITHOUT ROWID;
                    """)
            }
            try migrator.migrate(queue)
        } catch {
            throw StorageError("the overlay's attachments cannot be kept: \(path) is not a readable attachment database (\(error)); move it away or point --data-dir elsewhere")
        }
    }

    /// The connection's `PRAGMA synchronous` (2 is FULL: every commit fsynced).
    func synchronousSetting() throws -> Int {
        try queue.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public func attachments(overlay: String) async throws -> [Attachment] {
        try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attachments WHERE overlay = ? ORDER BY address", arguments: [overlay]).map { row in
                Attachment(overlay: row["overlay"], id: AttachmentID(containerID: row["container_id"], interfaceName: row["ifname"]),
                           address: row["address"], address6: row["address6"], claimedAt: UInt64(bitPattern: row["claimed_ns"]),
                           namespacePath: row["netns"], createdAt: UInt64(bitPattern: row["created_ns"]))
            }
        }
    }

    public func save(_ attachment: Attachment) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO attachments (overlay, container_id, ifname, address, address6, claimed_ns, netns, created_ns)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [attachment.overlay, attachment.id.containerID, attachment.id.interfaceName, attachment.address, attachment.address6,
                                 Int64(bitPattern: attachment.claimedAt), attachment.namespacePath, Int64(bitPattern: attachment.createdAt)])
        }
    }

    public func remove(overlay: String, ids: [AttachmentID]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await queue.write { db in
            var removed = 0
            for id in ids {
                try db.execute(sql: "DELETE FROM attachments WHERE overlay = ? AND container_id = ? AND ifname = ?",
                               arguments: [overlay, id.containerID, id.interfaceName])
                removed += db.changesCount
            }
            return removed
        }
    }
}
