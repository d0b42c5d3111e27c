import ArgumentParser
import LashupMembership
import LashupSimulation

/// `lashup sim membership`
struct SimMembershipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "membership",
        abstract: "Simulate the overlay: N nodes join through contacts, then a fraction crashes at once.",
        discussion: """
            Reports how long the overlay took to become one strongly connected component, how fast \
            the crashed nodes were evicted by every live neighbour, whether the survivors \
            reconnected, false evictions of live nodes, and message cost. The same --seed always \
            gives the same trace_hash.
            """
    )

    @OptionGroup var common: SimOptions
    @Option(help: "Fraction of nodes crashed at once half-way through, 0...1.") var crashFraction = 0.2
    @Option(help: "Simulated seconds.") var duration = 120.0

    func validate() throws {
        guard (0..<1).contains(crashFraction) else { throw ValidationError("--crash-fraction must be in 0...1 (exclusive of 1)") }
        guard duration >= 1, duration <= 86_400 else { throw ValidationError("--duration must be in 1...86400 seconds") }
    }

    func run() throws {
        var scenario = MembershipScenario(nodes: common.nodes, seed: common.seed)
        scenario.contacts = common.contacts
        scenario.loss = common.loss(default: 0)
        scenario.crashFraction = crashFraction
        scenario.latency = common.latency(defaultMilliseconds: 1)
        scenario.duration = .nanoseconds(Int64(duration * 1e9))
        scenario.checkInvariants = common.checkInvariants
        let (result, wall) = SimReport.timed { scenario.run() }
        let round = SimReport.round
        var report = SimReport(nodes: result.nodes, seed: result.seed)
        report.json.add("simulated_seconds", result.simulatedSeconds)
        report.json.add("loss", scenario.loss)
        report.json.add("crashed", result.crashed)
        report.json.add("overlay_connected_seconds", result.overlayConnectedSeconds)
        report.json.add("components_after_crash", result.componentsAtEnd)
        report.json.add("reconnected_seconds_after_crash", result.reconnectedSecondsAfterCrash)
        report.json.add("eviction_p50_ms", round(result.evictionP50Milliseconds, 10))
        report.json.add("eviction_p99_ms", round(result.evictionP99Milliseconds, 10))
        report.json.add("eviction_max_ms", round(result.evictionMaxMilliseconds, 10))
        report.json.add("evictions_never_completed", result.evictionsNeverCompleted)
        report.json.add("false_evictions", result.falseEvictions)
        report.json.add("messages_per_node_per_second", round(result.messagesPerNodePerSecond, 10))
        func seconds(_ value: Double?) -> String { value.map { format3($0) + " s" } ?? "never" }
        func milliseconds(_ value: Double?) -> String { value.map { String(Int($0.rounded())) + " ms" } ?? "n/a" }
        report.rows += [
            ("simulated", seconds(result.simulatedSeconds)),
            ("overlay one SCC after", seconds(result.overlayConnectedSeconds)),
            ("crashed at once", "\(result.crashed)"),
            ("survivors one SCC again after", result.crashed == 0 ? "n/a" : seconds(result.reconnectedSecondsAfterCrash)),
            ("components at the end", "\(result.componentsAtEnd)"),
            ("eviction p50 / p99 / max", "\(milliseconds(result.evictionP50Milliseconds)) / \(milliseconds(result.evictionP99Milliseconds)) / \(milliseconds(result.evictionMaxMilliseconds))"),
            ("evictions never completed", "\(result.evictionsNeverCompleted)"),
            ("false evictions", "\(result.falseEvictions)"),
            ("messages per node per second", format3(result.messagesPerNodePerSecond)),
        ]
        report.addMessageKinds(result.messageKinds)
        report.finish(events: result.events, traceHash: result.traceHash, wallSeconds: wall, invariantViolations: result.invariantViolations, asJSON: common.json)
    }
}
