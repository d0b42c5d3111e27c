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

    @Option(help: "Number of nodes.") var nodes: Int
    @Option(help: "Seed for every random choice of the run.") var seed: UInt64
    @Option(help: "Number of contact nodes everyone joins through.") var contacts = 3
    @Option(help: "Probability that any message is lost, 0...1.") var loss = 0.0
    @Option(help: "Fraction of nodes crashed at once half-way through, 0...1.") var crashFraction = 0.2
    @Option(help: "Mean one-way link latency in milliseconds.") var latencyMs = 1.0
    @Option(help: "Simulated seconds.") var duration = 120.0
    @Flag(help: "Check the state machines' invariants after every step (slower).") var checkInvariants = false
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard nodes >= 2, nodes <= 100_000 else { throw ValidationError("--nodes must be in 2...100000") }
        guard contacts >= 1, contacts <= nodes else { throw ValidationError("--contacts must be in 1...--nodes") }
        guard (0...1).contains(loss) else { throw ValidationError("--loss must be in 0...1") }
        guard (0..<1).contains(crashFraction) else { throw ValidationError("--crash-fraction must be in 0...1 (exclusive of 1)") }
        guard latencyMs > 0, latencyMs <= 10_000 else { throw ValidationError("--latency-ms must be in (0, 10000]") }
        guard duration >= 1, duration <= 86_400 else { throw ValidationError("--duration must be in 1...86400 seconds") }
    }

    func run() throws {
        var scenario = MembershipScenario(nodes: nodes, seed: seed)
        scenario.contacts = contacts
        scenario.loss = loss
        scenario.crashFraction = crashFraction
        scenario.latency = .nanoseconds(Int64(latencyMs * 1_000_000))
        scenario.duration = .nanoseconds(Int64(duration * 1e9))
        scenario.checkInvariants = checkInvariants
        let clock = ContinuousClock()
        let started = clock.now
        let result = scenario.run()
        let wall = (clock.now - started).inMilliseconds / 1000
        let memory = peakResidentMebibytes()

        if json {
            var object = JSONObject()
            object.add("nodes", result.nodes)
            object.add("seed", result.seed)
            object.add("simulated_seconds", result.simulatedSeconds)
            object.add("loss", loss)
            object.add("crashed", result.crashed)
            object.add("overlay_connected_seconds", result.overlayConnectedSeconds)
            object.add("components_after_crash", result.componentsAtEnd)
            object.add("reconnected_seconds_after_crash", result.reconnectedSecondsAfterCrash)
            object.add("eviction_p50_ms", result.evictionP50Milliseconds.map { ($0 * 10).rounded() / 10 })
            object.add("eviction_p99_ms", result.evictionP99Milliseconds.map { ($0 * 10).rounded() / 10 })
            object.add("eviction_max_ms", result.evictionMaxMilliseconds.map { ($0 * 10).rounded() / 10 })
            object.add("evictions_never_completed", result.evictionsNeverCompleted)
            object.add("false_evictions", result.falseEvictions)
            object.add("messages_per_node_per_second", (result.messagesPerNodePerSecond * 10).rounded() / 10)
            object.add("events", result.events)
            object.add("trace_hash", result.traceHash)
            object.add("wall_seconds", (wall * 100).rounded() / 100)
            object.add("peak_memory_mib", memory.map { ($0 * 10).rounded() / 10 })
            object.add("invariant_violations", result.invariantViolations)
            print(object.text)
        } else {
            func seconds(_ value: Double?) -> String { value.map { String(format3($0)) + " s" } ?? "never" }
            func milliseconds(_ value: Double?) -> String { value.map { String(Int($0.rounded())) + " ms" } ?? "n/a" }
            print(formatTable([
                ("nodes / seed", "\(result.nodes) / \(result.seed)"),
                ("simulated", seconds(result.simulatedSeconds)),
                ("overlay one SCC after", seconds(result.overlayConnectedSeconds)),
                ("crashed at once", "\(result.crashed)"),
                ("survivors one SCC again after", result.crashed == 0 ? "n/a" : seconds(result.reconnectedSecondsAfterCrash)),
                ("components at the end", "\(result.componentsAtEnd)"),
                ("eviction p50 / p99 / max", "\(milliseconds(result.evictionP50Milliseconds)) / \(milliseconds(result.evictionP99Milliseconds)) / \(milliseconds(result.evictionMaxMilliseconds))"),
                ("evictions never completed", "\(result.evictionsNeverCompleted)"),
                ("false evictions", "\(result.falseEvictions)"),
                ("messages per node per second", format3(result.messagesPerNodePerSecond)),
                ("events processed", "\(result.events)"),
                ("trace hash", result.traceHash),
                ("wall time", format3(wall) + " s"),
                ("peak memory", memory.map { format3($0) + " MiB" } ?? "n/a"),
                ("invariant violations", result.invariantViolations.isEmpty ? "none" : result.invariantViolations.joined(separator: "; ")),
            ]))
        }
    }
}

/// A number with at most three decimals, without Foundation's formatter.
func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return scaled == scaled.rounded() ? String(Int64(scaled)) : String(scaled)
}
