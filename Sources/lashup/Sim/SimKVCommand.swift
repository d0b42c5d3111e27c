import ArgumentParser
import LashupMembership
import LashupSimulation

/// `lashup sim kv`
struct SimKVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv",
        abstract: "Simulate the replicated store under partitions, loss and crash/restarts; check nothing acknowledged is lost.",
        discussion: """
            After a 20 s join, --writers nodes each perform --ops-per-writer operations (counter \
            increments, set adds, set removes of elements they added) spread over \
            --partition-seconds, while the cluster is split in two halves, --loss drops messages \
            and --crash-fraction of the nodes crash and restart from their persisted state. Then \
            everything heals; the run reports how long until every replica is identical and \
            counts acknowledged effects missing anywhere (lost_ops, which must be 0). The same \
            --seed gives the same trace_hash.
            """
    )

    @Option(help: "Number of nodes.") var nodes: Int
    @Option(help: "Seed for every random choice of the run.") var seed: UInt64
    @Option(help: "Number of writing nodes.") var writers = 100
    @Option(help: "Operations per writer.") var opsPerWriter = 20
    @Option(help: "Keys written (counters and sets, this many of each).") var keys = 20
    @Option(help: "Seconds of half/half partition, during which the writes happen (0: no partition, writes over 60 s).") var partitionSeconds = 60.0
    @Option(help: "Fraction of nodes that crash and restart during the window.") var crashFraction = 0.05
    @Option(help: "Probability that any message is lost during the window, 0...1.") var loss = 0.01
    @Option(help: "Number of contact nodes.") var contacts = 3
    @Option(help: "Mean one-way link latency in milliseconds.") var latencyMs = 2.0
    @Flag(help: "Check every node's invariants after every step (slower).") var checkInvariants = false
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard nodes >= 4, nodes <= 100_000 else { throw ValidationError("--nodes must be in 4...100000") }
        guard writers >= 1, writers <= nodes else { throw ValidationError("--writers must be in 1...--nodes") }
        guard opsPerWriter >= 1, opsPerWriter <= 100_000 else { throw ValidationError("--ops-per-writer must be in 1...100000") }
        guard keys >= 1, keys <= 100_000 else { throw ValidationError("--keys must be in 1...100000") }
        guard partitionSeconds >= 0, partitionSeconds <= 86_400 else { throw ValidationError("--partition-seconds must be in 0...86400") }
        guard (0..<0.9).contains(crashFraction) else { throw ValidationError("--crash-fraction must be in 0...0.9") }
        guard (0..<1).contains(loss) else { throw ValidationError("--loss must be in 0..<1") }
        guard contacts >= 1, contacts < nodes else { throw ValidationError("--contacts must be in 1..<--nodes") }
        guard latencyMs > 0, latencyMs <= 10_000 else { throw ValidationError("--latency-ms must be in (0, 10000]") }
    }

    func run() throws {
        var scenario = KVScenario(nodes: nodes, seed: seed)
        scenario.writers = writers
        scenario.opsPerWriter = opsPerWriter
        scenario.keys = keys
        scenario.partitionSeconds = partitionSeconds
        scenario.crashFraction = crashFraction
        scenario.loss = loss
        scenario.contacts = contacts
        scenario.latency = .nanoseconds(Int64(latencyMs * 1_000_000))
        scenario.checkInvariants = checkInvariants
        let clock = ContinuousClock()
        let started = clock.now
        let result = scenario.run()
        let wall = (clock.now - started).inMilliseconds / 1000
        let memory = peakResidentMebibytes()
        func round(_ value: Double?, _ places: Double = 1000) -> Double? { value.map { ($0 * places).rounded() / places } }

        if json {
            var object = JSONObject()
            object.add("nodes", result.nodes)
            object.add("seed", result.seed)
            object.add("attempted_ops", result.attemptedOps)
            object.add("acknowledged_ops", result.acknowledgedOps)
            object.add("lost_ops", result.lostOps)
            object.add("converged", result.converged)
            object.add("converge_seconds_after_heal", round(result.convergeSecondsAfterHeal))
            object.add("distinct_digests_at_end", result.distinctDigestsAtEnd)
            object.add("delta_bytes_p50", result.deltaBytesP50)
            object.add("delta_bytes_p99", result.deltaBytesP99)
            object.add("crashes", result.crashes)
            object.add("keys_repaired_by_anti_entropy", result.keysRepaired)
            object.add("anti_entropy_sessions", result.antiEntropySessions)
            object.add("simulated_seconds", round(result.simulatedSeconds))
            object.add("messages_per_node_per_second", round(result.messagesPerNodePerSecond, 10))
            object.add("events", result.events)
            object.add("trace_hash", result.traceHash)
            object.add("wall_seconds", round(wall, 100))
            object.add("peak_memory_mib", round(memory, 10))
            object.add("invariant_violations", result.invariantViolations)
            print(object.text)
        } else {
            print(formatTable([
                ("nodes / seed", "\(result.nodes) / \(result.seed)"),
                ("operations attempted / acknowledged", "\(result.attemptedOps) / \(result.acknowledgedOps)"),
                ("acknowledged effects lost", "\(result.lostOps)"),
                ("converged after healing", result.convergeSecondsAfterHeal.map { format3($0) + " s" } ?? "no"),
                ("distinct replica digests at end", "\(result.distinctDigestsAtEnd)"),
                ("delta bytes per update p50 / p99", "\(result.deltaBytesP50) / \(result.deltaBytesP99)"),
                ("nodes crashed and restarted", "\(result.crashes)"),
                ("keys repaired by anti-entropy", "\(result.keysRepaired) in \(result.antiEntropySessions) sessions"),
                ("messages per node per second", format3(result.messagesPerNodePerSecond)),
                ("simulated / events", format3(result.simulatedSeconds) + " s / \(result.events)"),
                ("trace hash", result.traceHash),
                ("wall time", format3(wall) + " s"),
                ("peak memory", memory.map { format3($0) + " MiB" } ?? "n/a"),
                ("invariant violations", result.invariantViolations.isEmpty ? "none" : result.invariantViolations.joined(separator: "; ")),
            ]))
        }
        if result.lostOps > 0 || !result.converged { throw ExitCode(1) }
    }
}
