import Foundation
import LashupCRDT
import LashupStorage
import LashupStore
import LashupTestSupport
import Testing

/// A write is acknowledged only once it is durable: a writer process killed with SIGKILL right
/// after acknowledging (mid-stream, or after its last write before it exits) loses nothing it
/// acknowledged.
@Suite("Durability across SIGKILL", .onOwnThread)
struct DurabilityTests {
    /// Runs the writer, reads acknowledgements until `killAfter` of them (or `all-acked`) have
    /// arrived, kills it with SIGKILL, and returns the acknowledged keys.
    func acknowledgedThenKilled(dataDir: String, count: Int, killAfter: Int, hold: Bool) throws -> [String] {
        let process = Process()
        process.executableURL = try LashupBinary.url()
        process.arguments = ["bench", "ack-writes", "--data-dir", dataDir, "--count", String(count), "--writers", "16"] + (hold ? ["--hold"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var acknowledged: [String] = []
        var buffer = ""
        var finished = false
        while !finished && acknowledged.count < killAfter {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }  // the writer exited
            buffer += String(decoding: data, as: UTF8.self)
            while let newline = buffer.firstIndex(of: "\n") {
                let line = String(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.hasPrefix("acked ") { acknowledged.append(String(line.dropFirst(6))) }
                if line == "all-acked" { finished = true }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return acknowledged
    }


    func checkSurvived(_ acknowledged: [String], in dataDir: String) throws {
        let space = try SQLiteStorage(directory: dataDir).loadAll()
        for path in acknowledged {
            #expect(space.value(try Key(parsing: path)).store.counter("n") == 1, "acknowledged \(path) survived the kill")
        }
    }

    @Test("killed mid-stream, every acknowledged write is on disk")
    func killedMidStream() throws {
        let dataDir = try makeTemporaryDirectory("durability")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let acknowledged = try acknowledgedThenKilled(dataDir: dataDir, count: 5_000, killAfter: 400, hold: false)
        #expect(acknowledged.count >= 400, "the writer acknowledged writes before it was killed")
        try checkSurvived(acknowledged, in: dataDir)
    }

    @Test("killed after its last acknowledgement, before exiting, every write is on disk")
    func killedAfterLastAck() throws {
        let dataDir = try makeTemporaryDirectory("durability")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let acknowledged = try acknowledgedThenKilled(dataDir: dataDir, count: 300, killAfter: .max, hold: true)
        #expect(acknowledged.count == 300)
        try checkSurvived(acknowledged, in: dataDir)
    }
}
