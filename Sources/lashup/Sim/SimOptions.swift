import ArgumentParser
import LashupSimulation

/// The options every `lashup sim` command shares, with one meaning and one range each.
struct SimOptions: ParsableArguments {
    @Option(help: "Number of nodes.") var nodes: Int
    @Option(help: "Seed for every random choice of the run.") var seed: UInt64
    @Option(help: "Number of contact nodes everyone joins through.") var contacts = 3
    @Option(help: "Probability that any message is lost, 0..<1 (default: 0; sim kv: 0.01, during its fault window).") var loss: Double?
    @Option(help: "Mean one-way link latency in milliseconds, (0, 10000] (default: 1; sim kv: 2).") var latencyMs: Double?
    @Flag(help: "Check every node's invariants after every step (slower).") var checkInvariants = false
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard nodes >= 2, nodes <= 100_000 else { throw ValidationError("--nodes must be in 2...100000") }
        guard contacts >= 1, contacts < nodes else { throw ValidationError("--contacts must be in 1..<--nodes") }
        if let loss, !(0..<1).contains(loss) { throw ValidationError("--loss must be in 0..<1") }
        if let latencyMs, !(latencyMs > 0 && latencyMs <= 10_000) { throw ValidationError("--latency-ms must be in (0, 10000]") }
    }

    /// `--loss`, or the command's default.
    func loss(default value: Double) -> Double { loss ?? value }

    /// `--latency-ms` as a duration, or the command's default in milliseconds.
    func latency(defaultMilliseconds: Double) -> Duration {
        .nanoseconds(Int64((latencyMs ?? defaultMilliseconds) * 1_000_000))
    }
}

/// What a `lashup sim` command prints: one JSON object (`--json`) or a two-column table,
/// both opening with the run's nodes and seed and closing with the same footer, so the three
/// simulations report alike and scripts read any of them the same way.
struct SimReport {
    var json = JSONObject()
    var rows: [(String, String)] = []

    init(nodes: Int, seed: UInt64) {
        json.add("nodes", nodes)
        json.add("seed", seed)
        rows.append(("nodes / seed", "\(nodes) / \(seed)"))
    }

    /// Runs `body`, timing it on the wall clock (reported, never part of the trace).
    static func timed<Result>(_ body: () -> Result) -> (result: Result, wallSeconds: Double) {
        let clock = ContinuousClock()
        let started = clock.now
        let result = body()
        return (result, (clock.now - started).inMilliseconds / 1000)
    }

    /// Messages by kind, per node per second: every kind in JSON, the busiest in the table.
    mutating func addMessageKinds(_ kinds: [MessageKindRate]) {
        var byKind = JSONObject()
        for rate in kinds { byKind.add(rate.kind, Self.round(rate.perNodePerSecond, 1000)) }
        json.add("messages_per_node_per_second_by_kind", byKind)
        let shown = kinds.prefix(6).map { "\($0.kind) \(format3($0.perNodePerSecond))" }
        let rest = kinds.dropFirst(6).reduce(0) { $0 + $1.perNodePerSecond }
        rows.append(("  by kind", (shown + (kinds.count > 6 ? ["other \(format3(rest))"] : [])).joined(separator: ", ")))
    }

    /// The footer every simulation reports, then prints the report.
    mutating func finish(events: Int, traceHash: String, wallSeconds: Double, invariantViolations: [String], asJSON: Bool) {
        let memory = peakResidentMebibytes()
        json.add("events", events)
        json.add("trace_hash", traceHash)
        json.add("wall_seconds", Self.round(wallSeconds, 100))
        json.add("peak_memory_mib", Self.round(memory, 10))
        json.add("invariant_violations", invariantViolations)
        rows.append(("events processed", "\(events)"))
        rows.append(("trace hash", traceHash))
        rows.append(("wall time", format3(wallSeconds) + " s"))
        rows.append(("peak memory", memory.map { format3($0) + " MiB" } ?? "n/a"))
        rows.append(("invariant violations", invariantViolations.isEmpty ? "none" : invariantViolations.joined(separator: "; ")))
        print(asJSON ? json.text : formatTable(rows))
    }

    /// `value` rounded to 1/`places`.
    static func round(_ value: Double?, _ places: Double = 1000) -> Double? { value.map { ($0 * places).rounded() / places } }

    /// `value` with at most three decimals and `unit`, or "n/a".
    static func text(_ value: Double?, _ unit: String = "") -> String { value.map { format3($0) + unit } ?? "n/a" }
}

/// A number with at most three decimals, without Foundation's formatter.
func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return scaled == scaled.rounded() ? String(Int64(scaled)) : String(scaled)
}
