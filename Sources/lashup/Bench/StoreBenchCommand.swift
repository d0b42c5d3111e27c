import ArgumentParser
import Foundation
import LashupCRDT
import LashupCluster
import LashupGossip
import LashupMembership
import LashupRuntime
import LashupStorage
import LashupStore
import LashupWire

/// `lashup bench store`: durable local writes through the agent's own write path (a
/// single-node agent: the driver groups concurrent updates into SQLite transactions).
struct StoreBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Measure the agent's durable writes (SQLite, WAL, group commit) with concurrent writers: ops/s and latency."
    )

    @Option(help: "Concurrent writers.") var writers = 64
    @Option(help: "Writes per writer.") var opsPerWriter = 1_000
    @Option(help: "Distinct keys each writer cycles through.") var keysPerWriter = 100
    @Option(help: "Data directory (default: a fresh temporary one, removed afterwards).") var dataDir: String?
    @Option(help: "Keys in a second, separate database whose open-and-load time is measured (0 to skip).") var startupKeys = 100_000
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard (1...10_000).contains(writers) else { throw ValidationError("--writers must be in 1...10000") }
        guard (1...10_000_000).contains(opsPerWriter) else { throw ValidationError("--ops-per-writer must be in 1...10000000") }
        guard (1...1_000_000).contains(keysPerWriter) else { throw ValidationError("--keys-per-writer must be in 1...1000000") }
        guard (0...10_000_000).contains(startupKeys) else { throw ValidationError("--startup-keys must be in 0...10000000") }
    }

    func run() async throws {
        let directory = dataDir ?? NSTemporaryDirectory() + "lashup-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let agent = try await StandaloneAgent.start(dataDirectory: directory, name: "bench-store")
        let cluster = AgentCluster(driver: agent.driver)
        let clock = ContinuousClock()
        let started = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var samples: [Double] = []
                    samples.reserveCapacity(opsPerWriter)
                    for index in 0..<opsPerWriter {
                        let key = try Key(["bench", "w\(writer)", "k\(index % keysPerWriter)"])
                        let begin = clock.now
                        _ = try await cluster.update(key, [.update("n", .increment(1))])
                        samples.append((clock.now - begin).inMilliseconds)
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let seconds = Double((clock.now - started).components.seconds) + Double((clock.now - started).components.attoseconds) / 1e18
        let wireBytes = try framedAddBytes(setSize: 10_000)
        let startup = startupKeys > 0 ? try await measureStartup(keys: startupKeys) : nil
        let total = writers * opsPerWriter
        let statistics = await agent.driver.statistics()
        await agent.stop()
        let groups = statistics.commitTransactions
        func percentile(_ fraction: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))] }
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        if json {
            var object = JSONObject()
            object.add("writers", writers)
            object.add("durable_writes", total)
            object.add("ops_per_second", (Double(total) / seconds).rounded())
            object.add("latency_p50_ms", (percentile(0.5) * 1000).rounded() / 1000)
            object.add("latency_p99_ms", (percentile(0.99) * 1000).rounded() / 1000)
            object.add("transactions", groups)
            object.add("wire_bytes_one_add_to_10000_set", wireBytes)
            object.add("startup_keys", startupKeys)
            object.add("startup_seconds", startup.map { ($0 * 1000).rounded() / 1000 })
            object.add("build", build)
            print(object.text)
        } else {
            print(formatTable([
                ("durable writes", "\(total) by \(writers) concurrent writers"),
                ("throughput", "\(Int(Double(total) / seconds)) ops/s"),
                ("latency p50 / p99", "\(format3(percentile(0.5))) ms / \(format3(percentile(0.99))) ms"),
                ("SQLite transactions", "\(groups) (\(format3(Double(total) / Double(max(groups, 1)))) writes each)"),
                ("wire bytes, one add to a 10000-element set", "\(wireBytes) (framed Plumtree message with the key delta)"),
                ("startup (open and load)", startup.map { "\(format3($0)) s with \(startupKeys) keys" } ?? "skipped"),
                ("build", build),
            ]))
        }
    }
}

/// Fills a fresh database with `keys` service-shaped keys (a set of three backends and a
/// counter each), then times opening it and loading every key, as an agent does at startup.
func measureStartup(keys: Int) async throws -> Double {
    let directory = NSTemporaryDirectory() + "lashup-startup-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    do {
        let storage = try SQLiteStorage(directory: directory)
        var space = KeySpace()
        var batch: [KeyState] = []
        for index in 0..<keys {
            let key = try Key(["services", "s\(index / 1000)", "k\(index)"])
            let operations: [MapOperation] = [
                .update("backends", .add(.tuple([.ipAddress(.v4(0x0A00_0000 | UInt32(index & 0xFFFF))), 8080]))),
                .update("backends", .add(.tuple([.ipAddress(.v4(0x0A01_0000 | UInt32(index & 0xFFFF))), 8080]))),
                .update("backends", .add(.tuple([.ipAddress(.v4(0x0A02_0000 | UInt32(index & 0xFFFF))), 8080]))),
                .update("hits", .increment(Int64(index % 100))),
            ]
            let (value, _) = try space.update(key, operations, by: "bench#1")
            batch.append(KeyState(key: key, state: value))
            if batch.count == 5_000 {
                try await storage.write(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await storage.write(batch) }
    }
    let clock = ContinuousClock()
    let started = clock.now
    let loaded = try SQLiteStorage(directory: directory).loadAll()
    let elapsed = clock.now - started
    guard loaded.objects.count == keys else { throw ValidationError("loaded \(loaded.objects.count) of \(keys) keys") }
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// The whole frame a node broadcasts for one add to a set of `setSize` elements held in a VIP
/// map: frame header, Plumtree gossip message and the key delta.
func framedAddBytes(setSize: Int) throws -> Int {
    var space = KeySpace()
    let key = try Key(["minuteman", "vips2"])
    let vip: Value = .tuple(["tcp", .ipAddress(IPAddress("11.0.0.1")!), 80])
    let replica: ReplicaID = "node-1#1"
    for index in 0..<setSize {
        try space.update(key, [.update(vip, .add(.tuple([.ipAddress(.v4(0x0A00_0000 | UInt32(truncatingIfNeeded: index))), 8080])))], by: replica)
    }
    let (_, delta) = try space.update(key, [.update(vip, .add(.tuple([.ipAddress(IPAddress("10.99.0.1")!), 8080])))], by: replica)
    let message = GossipMessage.gossip(
        id: BroadcastID(origin: "node-1", incarnation: 1, sequence: 123_456),
        topic: KeyDelta.topic, payload: KeyDelta(key: key, delta: delta).encodedBytes(), hops: 3
    )
    return Frame(message).encoded().readableBytes
}
