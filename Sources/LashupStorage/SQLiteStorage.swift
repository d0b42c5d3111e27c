import Foundation
import GRDB
import LashupCRDT
import LashupStore
import LashupWire
import NIOCore

/// Why the data directory could not be used.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The node's durable state in SQLite (WAL): every key's CRDT state, and small metadata such
/// as the incarnation. A write returns only once its transaction is committed.
public final class SQLiteStorage: Sendable {
    public let path: String
    private let pool: DatabasePool

    /// Closes the database; later writes fail with an error. Called once the node stopped.
    public func close() {
        try? pool.close()
    }

    /// Opens (creating if needed) `directory/lashup.sqlite`. A file that is not a Lashup
    /// database, or is corrupt, is reported as such, never overwritten.
    public init(directory: String) throws(StorageError) {
        path = directory.hasSuffix("/") ? directory + "lashup.sqlite" : directory + "/lashup.sqlite"
        do {
            var configuration = Configuration()
            configuration.label = "lashup"
            pool = try DatabasePool(path: path, configuration: configuration)
            // WAL with synchronous=FULL: every commit is fsynced, so an acknowledged write
            // survives a power loss, not only a process crash. Group commit pays for it. Set
            // here, on the pool's one writer, and not in `prepareDatabase`: opening a pool
            // switches the writer to WAL and, with it, to synchronous=NORMAL (GRDB's
            // `setUpWALMode`), after `prepareDatabase` ran. That silently left every commit
            // unsynced until issue 21's etcd comparison counted the fdatasync calls: none.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE objects (key BLOB PRIMARY KEY NOT NULL, state BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
                    """)
            }
            try migrator.migrate(pool)
        } catch {
            throw StorageError("data directory \(directory) cannot be used: \(path) is not a readable Lashup database (\(error)); move it away or point --data-dir elsewhere")
        }
    }

    /// The writer connection's `PRAGMA synchronous` (2 is FULL: every commit fsynced).
    public func writerSynchronousSetting() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Writes every state of `batch` in one transaction (one fsync for the whole group).
    public func write(_ batch: [KeyState]) async throws(StorageError) {
        try await write(batch, forgetting: [], meta: [:])
    }

    /// In one transaction: writes every state of `batch`, removes `forgotten` keys (collected
    /// tombstones) and sets the `meta` entries.
    public func write(_ batch: [KeyState], forgetting forgotten: [Key], meta: [String: [UInt8]]) async throws(StorageError) {
        let rows = batch.map { (key: Data($0.key.encodedBytes()), state: Data($0.state.encodedBytes())) }
        let removed = forgotten.map { Data($0.encodedBytes()) }
        do {
            try await pool.write { db in
                let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO objects (key, state) VALUES (?, ?)")
                for row in rows { try insert.execute(arguments: [row.key, row.state]) }
                let delete = try db.cachedStatement(sql: "DELETE FROM objects WHERE key = ?")
                for key in removed { try delete.execute(arguments: [key]) }
                for (name, value) in meta {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
                }
            }
        } catch {
            throw StorageError("writing \(batch.count) key(s) to \(path) failed: \(error)")
        }
    }

    /// Loads every stored key. A row that does not decode is an error naming it; nothing is
    /// silently skipped.
    public func loadAll(limits: StoreLimits = StoreLimits()) throws(StorageError) -> KeySpace {
        var space = KeySpace(limits: limits)
        do {
            try pool.read { db in
                let cursor = try Row.fetchCursor(db, sql: "SELECT key, state FROM objects")
                while let row = try cursor.next() {
                    let keyBytes: Data = row["key"]
                    let stateBytes: Data = row["state"]
                    let key: Key
                    let state: Causal<ORMap>
                    do {
                        key = try Key(decoding: [UInt8](keyBytes))
                        state = try Causal<ORMap>(decoding: [UInt8](stateBytes))
                    } catch {
                        throw StorageError("corrupt row in \(path) (key bytes \(keyBytes.count)): \(error)")
                    }
                    space.installLoaded(key, state)
                }
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError("reading \(path) failed: \(error)")
        }
        return space
    }

    /// A metadata value, or nil.
    public func meta(_ name: String) throws(StorageError) -> [UInt8]? {
        do {
            return try pool.read { db in
                let data = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name])
                return data.map { [UInt8]($0) }
            }
        } catch {
            throw StorageError("reading \(name) from \(path) failed: \(error)")
        }
    }

    public func setMeta(_ name: String, _ value: [UInt8]) throws(StorageError) {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
            }
        } catch {
            throw StorageError("writing \(name) to \(path) failed: \(error)")
        }
    }

    /// Reads the previous incarnation, stores and returns the next one: strictly increasing
    /// across restarts, and durable before the node publishes anything under it. With `floor`
    /// (the runtime passes the wall clock in seconds), a node whose disk was wiped still
    /// starts above every incarnation it ran before.
    public func nextIncarnation(atLeast floor: UInt64 = 0) throws(StorageError) -> UInt64 {
        var previous: UInt64 = 0
        if let bytes = try meta("incarnation"), bytes.count == 8 {
            previous = bytes.reduce(0) { $0 << 8 | UInt64($1) }
        }
        let next = max(previous + 1, floor)
        try setMeta("incarnation", (0..<8).map { UInt8(truncatingIfNeeded: next >> (56 - 8 * $0)) })
        return next
    }
}
