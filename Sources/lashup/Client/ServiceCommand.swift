import ArgumentParser
import Foundation
import LashupAPI
import LashupCluster
import LashupRuntime
import NIOHTTP1

/// `lashup service`: services registered with an agent (for what runs under no Mesos and no
/// Docker-API runtime). A service lives on the agent it is registered with, which checks it
/// and publishes its names and VIP backends; register it with the agent of the host it runs on.
struct ServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Register, deregister and list services on this host's agent.",
        discussion: """
            A registered service NAME in namespace NS is named NAME.NS.autoip.dcos.thisdcos.directory \
            (and .containerip., .agentip.), and with --vip /web:80 it becomes a backend of \
            web.NS.l4lb.thisdcos.directory:80. With --check, the agent checks it every interval: \
            a failing check drains its backends at once, a passing one restores them.
            """,
        subcommands: [Register.self, Deregister.self, List.self]
    )

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register (or replace, by id) a service on this agent.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The service's name (its DNS label).") var name: String
        @Option(help: "The IP the service answers on.") var address: String
        @Option(help: "The port it answers on.") var port: Int
        @Option(help: "Unique on this agent (default: the name).") var id: String?
        @Option(help: "Namespace of its names and named VIPs (default: services).") var namespace: String?
        @Option(help: "tcp or udp (default: tcp).") var `protocol`: String = "tcp"
        @Option(help: "A VIP it is a backend of: /name:port, name:port or ip:port (repeatable).") var vip: [String] = []
        @Option(help: "Check it: tcp (connect to ADDRESS:PORT or --check-target) or http (GET --check-target, 2xx/3xx passes).") var check: String?
        @Option(help: "What the check targets: IP:PORT for tcp, an http:// URL for http.") var checkTarget: String?
        @Option(help: "Milliseconds between checks (default: 10000).") var checkIntervalMs: Int?
        @Option(help: "Milliseconds a check may take (default: 2000).") var checkTimeoutMs: Int?

        func validate() throws {
            guard (1...65_535).contains(port) else { throw ValidationError("--port \(port): 1 to 65535") }
            if let check, check != "tcp", check != "http" { throw ValidationError("--check \"\(check)\": tcp or http") }
            if check == nil, checkTarget != nil || checkIntervalMs != nil || checkTimeoutMs != nil {
                throw ValidationError("--check-target, --check-interval-ms and --check-timeout-ms need --check tcp|http")
            }
        }

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                var fields: [String: JSONValue] = [
                    "name": .string(name), "address": .string(address), "port": .integer(Int64(port)), "protocol": .string(`protocol`),
                    "vips": .array(vip.map(JSONValue.string)),
                ]
                if let id { fields["id"] = .string(id) }
                if let namespace { fields["namespace"] = .string(namespace) }
                if let check {
                    var checkFields: [String: JSONValue] = ["kind": .string(check)]
                    if let checkTarget { checkFields["target"] = .string(checkTarget) }
                    if let checkIntervalMs { checkFields["interval_ms"] = .integer(Int64(checkIntervalMs)) }
                    if let checkTimeoutMs { checkFields["timeout_ms"] = .integer(Int64(checkTimeoutMs)) }
                    fields["check"] = .object(checkFields)
                }
                let answer = try await options.client().json(.PUT, "/v1/agent/services", body: Array(JSONValue.object(fields).text.utf8))
                if options.json { print(answer.text) } else { print("registered \(answer["registered"]?.cell ?? name)") }
            }
        }
    }

    struct Deregister: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deregister a service from this agent (its names and backends go).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The service's id.") var id: String

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let path = "/v1/agent/services/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)"
                let answer = try await options.client().json(.DELETE, path)
                if options.json { print(answer.text) } else { print("deregistered \(id)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the services registered with this agent and their health.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.GET, "/v1/agent/services")
                if options.json {
                    print(answer.text)
                    return
                }
                guard case let .array(services) = answer else { throw RuntimeError("unexpected answer from /v1/agent/services") }
                let rows = services.map { service -> [String] in
                    let check = service["check"].map { "\($0["kind"]?.cell ?? "-") every \($0["interval_ms"]?.cell ?? "-") ms" } ?? "-"
                    var vips = "-"
                    if case let .array(list)? = service["vips"], !list.isEmpty { vips = list.map(\.cell).joined(separator: ",") }
                    return [service["id"]?.cell ?? "-", service["name"]?.cell ?? "-", service["namespace"]?.cell ?? "-",
                            "\(service["address"]?.cell ?? "-"):\(service["port"]?.cell ?? "-")", vips, check, service["health"]?.cell ?? "-",
                            service["last_failure"]?.cell ?? ""]
                }
                printTable(["ID", "NAME", "NAMESPACE", "ADDRESS", "VIPS", "CHECK", "HEALTH", "LAST FAILURE"], rows)
            }
        }
    }
}
