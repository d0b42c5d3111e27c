import ArgumentParser
import LashupMembership
import LashupSimulation

/// `lashup sim gossip`
struct SimGossipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossip",
        abstract: "Simulate broadcast and global membership: delivery, redundancy, failure knowledge, partition healing.",
        discussion: """
            Phases on one cluster: join; --messages broadcasts without faults; --crash-count \
            staggered crashes (time until 99 % of live nodes see each unreachable); --crash-fraction \
            crashed at once with broadcasts right after and after repair; a half/half partition of \
            --partition-seconds, then healing. The same --seed gives the same trace_hash.
            """
    )

    @OptionGroup var common: SimOptions
    @Option(help: "Broadcasts per measurement phase.") var messages = 100
    @Option(help: "Staggered crashes, 3 s apart (0 to skip).") var crashCount = 10
    @Option(help: "Fraction crashed at once (0 to skip).") var crashFraction = 0.2
    @Option(help: "Seconds of half/half partition before healing (0 to skip).") var partitionSeconds = 60.0

    func validate() throws {
        let nodes = common.nodes
        guard nodes >= 4 else { throw ValidationError("--nodes must be at least 4 (two halves of two)") }
        guard messages >= 1, messages <= 100_000 else { throw ValidationError("--messages must be in 1...100000") }
        guard crashCount >= 0, crashCount < nodes / 2 else { throw ValidationError("--crash-count must be in 0..<nodes/2") }
        guard (0..<0.9).contains(crashFraction) else { throw ValidationError("--crash-fraction must be in 0...0.9") }
        guard partitionSeconds >= 0, partitionSeconds <= 86_400 else { throw ValidationError("--partition-seconds must be in 0...86400") }
    }

    func run() throws {
        var scenario = GossipScenario(nodes: common.nodes, seed: common.seed)
        scenario.contacts = common.contacts
        scenario.messages = messages
        scenario.crashCount = crashCount
        scenario.crashFraction = crashFraction
        scenario.loss = common.loss(default: 0)
        scenario.partitionSeconds = partitionSeconds
        scenario.latency = common.latency(defaultMilliseconds: 1)
        scenario.checkInvariants = common.checkInvariants
        let (result, wall) = SimReport.timed { scenario.run() }
        let round = SimReport.round, text = SimReport.text
        var report = SimReport(nodes: result.nodes, seed: result.seed)
        report.json.add("simulated_seconds", round(result.simulatedSeconds, 1000))
        report.json.add("delivery_ratio", round(result.deliveryRatio, 1e6))
        report.json.add("rmr", round(result.relativeMessageRedundancy, 1e4))
        report.json.add("last_delivery_hop_max", result.lastDeliveryHopMax)
        report.json.add("crashed_at_once", result.crashedAtOnce)
        report.json.add("delivery_ratio_after_crash", round(result.deliveryRatioAfterCrash, 1e6))
        report.json.add("delivery_ratio_after_repair", round(result.deliveryRatioAfterRepair, 1e6))
        report.json.add("failure_known_p99_ms", round(result.failureKnownP99Milliseconds, 10))
        report.json.add("failure_known_measured", result.failureKnownMeasured)
        report.json.add("failure_known_never", result.failureKnownNever)
        report.json.add("components_during_partition", result.componentsDuringPartition.map(Double.init))
        report.json.add("partition_healed_seconds", round(result.partitionHealedSeconds, 1000))
        report.json.add("membership_bytes_per_node", round(result.membershipBytesPerNode, 1))
        report.json.add("messages_per_node_per_second", round(result.messagesPerNodePerSecond, 10))
        report.json.add("formation_messages_per_node", round(result.formationMessagesPerNode, 10))
        report.rows += [
            ("delivery ratio (no faults)", text(result.deliveryRatio, "")),
            ("relative message redundancy", text(result.relativeMessageRedundancy, "")),
            ("last delivery hop (max)", "\(result.lastDeliveryHopMax)"),
            ("crash known by 99 % (p99)", text(result.failureKnownP99Milliseconds, " ms") + " over \(result.failureKnownMeasured) crashes, \(result.failureKnownNever) never"),
            ("crashed at once", "\(result.crashedAtOnce)"),
            ("delivery right after that crash", text(result.deliveryRatioAfterCrash, "")),
            ("delivery after repair", text(result.deliveryRatioAfterRepair, "")),
            ("components during partition", result.componentsDuringPartition.map(String.init) ?? "n/a"),
            ("one component after healing", text(result.partitionHealedSeconds, " s")),
            ("membership table per node", text(result.membershipBytesPerNode / 1024, " KiB")),
            ("messages per node per second", text(result.messagesPerNodePerSecond, "")),
        ]
        report.addMessageKinds(result.messageKinds)
        report.rows += [
            ("messages per node, forming (20 s)", text(result.formationMessagesPerNode, "")),
            ("simulated", text(result.simulatedSeconds, " s")),
        ]
        report.finish(events: result.events, traceHash: result.traceHash, wallSeconds: wall, invariantViolations: result.invariantViolations, asJSON: common.json)
    }
}
