import ArgumentParser
import Foundation
import LashupCRDT
import LashupCluster
import LashupRuntime
import LashupStore

/// `lashup bench ack-writes` (hidden): the durability test's writer. It runs a single-node
/// agent on the data directory and increments one counter per key through the agent's own
/// write path (`AgentCluster.update`: the driver's grouped SQLite transactions), printing `acked <key>` the moment each write is
/// acknowledged, then `all-acked` and, with `--hold`, waits to be killed. The test kills it
/// with SIGKILL at an arbitrary point after some acknowledgements and checks each
/// acknowledged write in the data directory.
struct AckWritesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack-writes",
        abstract: "Durability test helper: print each write as it is acknowledged, then optionally wait to be killed.",
        shouldDisplay: false
    )

    @Option(help: "Data directory.") var dataDir: String
    @Option(help: "Writes to perform (one key each).") var count = 100
    @Option(help: "Concurrent writers.") var writers = 8
    @Flag(help: "Stay alive after the last acknowledgement until killed.") var hold = false

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be in 1...1000000") }
        guard (1...1_000).contains(writers) else { throw ValidationError("--writers must be in 1...1000") }
    }

    func run() async throws {
        let agent = try await StandaloneAgent.start(dataDirectory: dataDir, name: "ack-writes")
        let store = AgentCluster(driver: agent.driver)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for index in stride(from: writer, to: count, by: writers) {
                        let key = try Key(["durability", "k\(index)"])
                        _ = try await store.update(key, [.update("n", .increment(1))])
                        // The line leaves (unbuffered) only after the write is on disk.
                        FileHandle.standardOutput.write(Data("acked \(key)\n".utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        FileHandle.standardOutput.write(Data("all-acked\n".utf8))
        while hold { try await Task.sleep(for: .seconds(3600)) }
        await agent.stop()
    }
}
