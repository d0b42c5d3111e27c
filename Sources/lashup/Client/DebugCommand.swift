import ArgumentParser
import Foundation
import LashupAPI
import LashupRuntime
import NIOHTTP1

/// `lashup debug`: look inside a running agent without a debugger — its internals, and its
/// log level changed while it runs.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Look inside a running agent: its state, and its log level.",
        subcommands: [State.self, LogLevel.self]
    )

    struct State: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what an operator asks a live node: views with RTTs and local health, timers, queues, commits, anti-entropy, broadcast trees, services.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let state = try await options.client().json(.GET, "/lashup/debug/state")
                if options.json {
                    print(state.text)
                    return
                }
                print("active view (local health \(state["local_health"]?.cell ?? "-")):")
                var rows: [[String]] = []
                if case let .array(neighbours)? = state["active_view"] {
                    for neighbour in neighbours {
                        rows.append([neighbour["name"]?.cell ?? "-", neighbour["address"]?.cell ?? "-",
                                     neighbour["srtt_ms"].map { $0 == .null ? "-" : String(format: "%.2f ms", Double($0.cell) ?? 0) } ?? "-",
                                     neighbour["rttvar_ms"].map { String(format: "%.2f ms", Double($0.cell) ?? 0) } ?? "-"])
                    }
                }
                printTable(["  NEIGHBOUR", "ADDRESS", "SRTT", "RTTVAR"], rows.map { ["  " + $0[0]] + $0.dropFirst() })
                if case let .array(passive)? = state["passive_view"] { print("passive view: \(passive.map(\.cell).joined(separator: ", "))") }
                for (label, key) in [("timers armed", "timers_armed"), ("inbox depth", "inbox_depth"), ("inbox dropped", "inbox_dropped"),
                                     ("transport queued bytes", "transport_queued_bytes"), ("connections in / out", "connections_inbound"),
                                     ("commits waiting", "commit_waiting"), ("commit transactions", "commit_transactions"),
                                     ("persists committed", "commit_persists"), ("anti-entropy sessions", "anti_entropy_sessions"),
                                     ("keys repaired", "anti_entropy_keys_repaired"), ("store keys", "store_keys"), ("tombstones", "tombstones"),
                                     ("watchers", "watchers"), ("log level", "log_level")] {
                    var value = state[key]?.cell ?? "-"
                    if key == "connections_inbound" { value += " / " + (state["connections_outbound"]?.cell ?? "-") }
                    print("\(label): \(value)")
                }
                if case let .object(trees)? = state["lazy_peers_by_origin"] {
                    print("broadcast trees (lazy links per origin; the other links are eager): " + (trees.isEmpty ? "every link eager" : ""))
                    for (origin, lazy) in trees.sorted(by: { $0.key < $1.key }) {
                        if case let .array(names) = lazy { print("  \(origin): lazy to \(names.map(\.cell).joined(separator: ", "))") }
                    }
                }
                for service in ["dns", "lb", "overlays", "tasks"] { print("\(service): \(state[service]?.text ?? "-")") }
            }
        }
    }

    struct LogLevel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "log-level", abstract: "Print the agent's log level, or change it at run time.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "trace, debug, info, notice, warning, error or critical; none: print it.") var level: String?

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let client = try options.client()
                let answer: JSONValue
                if let level {
                    answer = try await client.json(.PUT, "/lashup/debug/log-level", body: Array(JSONValue.object(["level": .string(level)]).text.utf8))
                } else {
                    answer = try await client.json(.GET, "/lashup/debug/log-level")
                }
                if options.json {
                    print(answer.text)
                } else if let previous = answer["previous"] {
                    print("log level \(answer["level"]?.cell ?? "-") (was \(previous.cell))")
                } else {
                    print("log level \(answer["level"]?.cell ?? "-")")
                }
            }
        }
    }
}
