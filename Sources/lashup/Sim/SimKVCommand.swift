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

    @OptionGroup var common: SimOptions
    @Option(help: "Number of writing nodes.") var writers = 100
    @Option(help: "Operations per writer.") var opsPerWriter = 20
    @Option(help: "Keys written (counters and sets, this many of each).") var keys = 20
    @Option(help: "Seconds of half/half partition, during which the writes happen (0: no partition, writes over 60 s).") var partitionSeconds = 60.0
    @Option(help: "Fraction of nodes that crash and restart during the window.") var crashFraction = 0.05

    func validate() throws {
        let nodes = common.nodes
        guard nodes >= 4 else { throw ValidationError("--nodes must be at least 4 (two halves of two)") }
        guard writers >= 1, writers <= nodes else { throw ValidationError("--writers must be in 1...--nodes") }
        guard opsPerWriter >= 1, opsPerWriter <= 100_000 else { throw ValidationError("--ops-per-writer must be in 1...100000") }
        guard keys >= 1, keys <= 100_000 else { throw ValidationError("--keys must be in 1...100000") }
        guard partitionSeconds >= 0, partitionSeconds <= 86_400 else { throw ValidationError("--partition-seconds must be in 0...86400") }
        guard (0..<0.9).contains(crashFraction) else { throw ValidationError("--crash-fraction must be in 0...0.9") }
    }

    func run() throws {
        var scenario = KVScenario(nodes: common.nodes, seed: common.seed)
        scenario.writers = writers
        scenario.opsPerWriter = opsPerWriter
        scenario.keys = keys
        scenario.partitionSeconds = partitionSeconds
        scenario.crashFraction = crashFraction
        scenario.loss = common.loss(default: 0.01)
        scenario.contacts = common.contacts
        scenario.latency = common.latency(defaultMilliseconds: 2)
        scenario.checkInvariants = common.checkInvariants
        let (result, wall) = SimReport.timed { scenario.run() }
        let round = SimReport.round
        var report = SimReport(nodes: result.nodes, seed: result.seed)
        report.json.add("attempted_ops", result.attemptedOps)
        report.json.add("acknowledged_ops", result.acknowledgedOps)
        report.json.add("lost_ops", result.lostOps)
        report.json.add("converged", result.converged)
        report.json.add("converge_seconds_after_heal", round(result.convergeSecondsAfterHeal, 1000))
        report.json.add("distinct_digests_at_end", result.distinctDigestsAtEnd)
        report.json.add("delta_bytes_p50", result.deltaBytesP50)
        report.json.add("delta_bytes_p99", result.deltaBytesP99)
        report.json.add("crashes", result.crashes)
        report.json.add("keys_repaired_by_anti_entropy", result.keysRepaired)
        report.json.add("anti_entropy_sessions", result.antiEntropySessions)
        report.json.add("simulated_seconds", round(result.simulatedSeconds, 1000))
        report.json.add("messages_per_node_per_second", round(result.messagesPerNodePerSecond, 10))
        report.json.add("formation_messages_per_node", round(result.formationMessagesPerNode, 10))
        report.rows += [
            ("operations attempted / acknowledged", "\(result.attemptedOps) / \(result.acknowledgedOps)"),
            ("acknowledged effects lost", "\(result.lostOps)"),
            ("converged after healing", result.convergeSecondsAfterHeal.map { format3($0) + " s" } ?? "no"),
            ("distinct replica digests at end", "\(result.distinctDigestsAtEnd)"),
            ("delta bytes per update p50 / p99", "\(result.deltaBytesP50) / \(result.deltaBytesP99)"),
            ("nodes crashed and restarted", "\(result.crashes)"),
            ("keys repaired by anti-entropy", "\(result.keysRepaired) in \(result.antiEntropySessions) sessions"),
            ("messages per node per second", format3(result.messagesPerNodePerSecond)),
        ]
        report.addMessageKinds(result.messageKinds)
        report.rows += [
            ("messages per node, forming (20 s)", format3(result.formationMessagesPerNode)),
            ("simulated", format3(result.simulatedSeconds) + " s"),
        ]
        report.finish(events: result.events, traceHash: result.traceHash, wallSeconds: wall, invariantViolations: result.invariantViolations, asJSON: common.json)
        if result.lostOps > 0 || !result.converged { throw ExitCode(1) }
    }
}
