import ArgumentParser
import Foundation
import LashupAPI
import LashupCluster
import LashupRuntime
import NIOHTTP1

/// `lashup vip`: the load balancer's VIPs. A backend is published by the agent of the host it
/// runs on, so `add` and `remove` go to that host's agent (`--api`), and every agent programs
/// its own kernel from the replicated state.
struct VIPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vip",
        abstract: "Add, remove and list load-balanced VIPs and their backends.",
        discussion: """
            A VIP is IP:PORT (11.1.1.1:80, [fd01:c::1]:80) or NAME:PORT (web:80 with --framework \
            marathon is web.marathon.l4lb.thisdcos.directory:80, given an address from 11.0.0.0/8 \
            and fd01:c::/64 that every agent derives alike). Weight 0 drains a backend: no new \
            connections, established ones keep flowing.
            """,
        subcommands: [Add.self, Remove.self, List.self]
    )

    struct BackendArguments: ParsableArguments {
        @OptionGroup var options: ClientOptions
        @Argument(help: "The VIP: IP:PORT or NAME:PORT.") var vip: String
        @Argument(help: "The backend on this agent's host: IP:PORT.") var backend: String
        @Option(help: "tcp or udp (default: tcp).") var `protocol`: String = "tcp"
        @Option(help: "Framework a NAME:PORT VIP belongs to (its DNS name is NAME.FRAMEWORK.l4lb.thisdcos.directory).") var framework: String?

        func body(weight: Int?) throws(RuntimeError) -> [UInt8] {
            guard let (host, port) = HostPort.parse(backend) else { throw RuntimeError("backend \"\(backend)\" is not IP:PORT") }
            var fields: [String: JSONValue] = ["vip": .string(vip), "protocol": .string(`protocol`), "ip": .string(host), "port": .integer(Int64(port))]
            if let framework { fields["framework"] = .string(framework) }
            if let weight { fields["weight"] = .integer(Int64(weight)) }
            return Array(JSONValue.object(fields).text.utf8)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish a backend this agent's host runs, or change its weight.")
        @OptionGroup var arguments: BackendArguments
        @Option(help: "Share of new connections relative to the VIP's other backends, 0 to 10000 (default: 1).") var weight: Int = 1

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await arguments.options.client().json(.PUT, "/v1/vips/backend", body: try arguments.body(weight: weight))
                if arguments.options.json { print(answer.text) } else { print("added \(arguments.backend) to \(answer["vip"]?.cell ?? arguments.vip) with weight \(weight)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a backend this agent published.")
        @OptionGroup var arguments: BackendArguments

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await arguments.options.client().json(.DELETE, "/v1/vips/backend", body: try arguments.body(weight: nil))
                if arguments.options.json { print(answer.text) } else { print("removed \(arguments.backend) from \(answer["vip"]?.cell ?? arguments.vip)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every VIP with its backends, as this agent sees and programs them.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.GET, "/v1/vips")
                if options.json {
                    print(answer.text)
                    return
                }
                guard case let .array(vips) = answer else { throw RuntimeError("unexpected answer from /v1/vips") }
                var rows: [[String]] = []
                for vip in vips {
                    let addresses: String
                    if case let .array(list)? = vip["addresses"] { addresses = list.map(\.cell).joined(separator: ",") } else { addresses = "-" }
                    guard case let .array(backends)? = vip["backend"] else { continue }
                    for backend in backends {
                        let ip = backend["ip"]?.cell ?? "-"
                        let endpoint = ip.contains(":") ? "[\(ip)]:\(backend["port"]?.cell ?? "-")" : "\(ip):\(backend["port"]?.cell ?? "-")"
                        rows.append([
                            vip["vip"]?.cell ?? "-", vip["protocol"]?.cell ?? "-", addresses, backend["agent"]?.cell ?? "-", endpoint,
                            backend["reachable"] == .bool(true) ? "yes" : "no", backend["weight"]?.cell ?? "-",
                            backend["effective_weight"]?.cell ?? "-", backend["latency_ms"].map { "\($0.cell) ms" } ?? "-",
                            backend["ejected"].map { "ejected: \($0.cell)" } ?? (backend["used"] == .bool(true) ? "yes" : "no"),
                        ])
                    }
                }
                printTable(["VIP", "PROTOCOL", "ADDRESSES", "AGENT", "BACKEND", "REACHABLE", "WEIGHT", "EFFECTIVE", "LATENCY", "USED"], rows)
            }
        }
    }
}
