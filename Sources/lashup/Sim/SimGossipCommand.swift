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

    @Option(help: "Number of nodes.") var nodes: Int
    @Option(help: "Seed for every random choice of the run.") var seed: UInt64
    @Option(help: "Number of contact nodes.") var contacts = 3
    @Option(help: "Broadcasts per measurement phase.") var messages = 100
    @Option(help: "Staggered crashes, 3 s apart (0 to skip).") var crashCount = 10
    @Option(help: "Fraction crashed at once (0 to skip).") var crashFraction = 0.2
    @Option(help: "Probability that any message is lost, 0...1.") var loss = 0.0
    @Option(help: "Seconds of half/half partition before healing (0 to skip).") var partitionSeconds = 60.0
    @Option(help: "Mean one-way link latency in milliseconds.") var latencyMs = 1.0
    @Flag(help: "Check every node's invariants after every step (slower).") var checkInvariants = false
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard nodes >= 4, nodes <= 100_000 else { throw ValidationError("--nodes must be in 4...100000") }
        guard contacts >= 1, contacts < nodes else { throw ValidationError("--contacts must be in 1..<--nodes") }
        guard messages >= 1, messages <= 100_000 else { throw ValidationError("--messages must be in 1...100000") }
        guard crashCount >= 0, crashCount < nodes / 2 else { throw ValidationError("--crash-count must be in 0..<nodes/2") }
        guard (0..<0.9).contains(crashFraction) else { throw ValidationError("--crash-fraction must be in 0...0.9") }
        guard (0...1).contains(loss) else { throw ValidationError("--loss must be in 0...1") }
        guard partitionSeconds >= 0, partitionSeconds <= 86_400 else { throw ValidationError("--partition-seconds must be in 0...86400") }
        guard latencyMs > 0, latencyMs <= 10_000 else { throw ValidationError("--latency-ms must be in (0, 10000]") }
    }

    func run() throws {
        var scenario = GossipScenario(nodes: nodes, seed: seed)
        scenario.contacts = contacts
        scenario.messages = messages
        scenario.crashCount = crashCount
        scenario.crashFraction = crashFraction
        scenario.loss = loss
        scenario.partitionSeconds = partitionSeconds
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
            object.add("simulated_seconds", round(result.simulatedSeconds))
            object.add("delivery_ratio", round(result.deliveryRatio, 1e6))
            object.add("rmr", round(result.relativeMessageRedundancy, 1e4))
            object.add("last_delivery_hop_max", result.lastDeliveryHopMax)
            object.add("crashed_at_once", result.crashedAtOnce)
            object.add("delivery_ratio_after_crash", round(result.deliveryRatioAfterCrash, 1e6))
            object.add("delivery_ratio_after_repair", round(result.deliveryRatioAfterRepair, 1e6))
            object.add("failure_known_p99_ms", round(result.failureKnownP99Milliseconds, 10))
            object.add("failure_known_measured", result.failureKnownMeasured)
            object.add("failure_known_never", result.failureKnownNever)
            object.add("components_during_partition", result.componentsDuringPartition.map(Double.init))
            object.add("partition_healed_seconds", round(result.partitionHealedSeconds))
            object.add("membership_bytes_per_node", round(result.membershipBytesPerNode, 1))
            object.add("messages_per_node_per_second", round(result.messagesPerNodePerSecond, 10))
            object.add("events", result.events)
            object.add("trace_hash", result.traceHash)
            object.add("wall_seconds", round(wall, 100))
            object.add("peak_memory_mib", round(memory, 10))
            object.add("invariant_violations", result.invariantViolations)
            print(object.text)
        } else {
            func text(_ value: Double?, _ unit: String = "") -> String { value.map { format3($0) + unit } ?? "n/a" }
            print(formatTable([
                ("nodes / seed", "\(result.nodes) / \(result.seed)"),
                ("delivery ratio (no faults)", text(result.deliveryRatio)),
                ("relative message redundancy", text(result.relativeMessageRedundancy)),
                ("last delivery hop (max)", "\(result.lastDeliveryHopMax)"),
                ("crash known by 99 % (p99)", text(result.failureKnownP99Milliseconds, " ms") + " over \(result.failureKnownMeasured) crashes, \(result.failureKnownNever) never"),
                ("crashed at once", "\(result.crashedAtOnce)"),
                ("delivery right after that crash", text(result.deliveryRatioAfterCrash)),
                ("delivery after repair", text(result.deliveryRatioAfterRepair)),
                ("components during partition", result.componentsDuringPartition.map(String.init) ?? "n/a"),
                ("one component after healing", text(result.partitionHealedSeconds, " s")),
                ("membership table per node", text(result.membershipBytesPerNode / 1024, " KiB")),
                ("messages per node per second", text(result.messagesPerNodePerSecond)),
                ("simulated / events", text(result.simulatedSeconds, " s") + " / \(result.events)"),
                ("trace hash", result.traceHash),
                ("wall time", format3(wall) + " s"),
                ("peak memory", memory.map { format3($0) + " MiB" } ?? "n/a"),
                ("invariant violations", result.invariantViolations.isEmpty ? "none" : result.invariantViolations.joined(separator: "; ")),
            ]))
        }
    }
}
