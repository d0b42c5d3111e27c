import ArgumentParser
import Foundation
import LashupAPI
import LashupRuntime
import NIOHTTP1

/// `lashup tasks`: what an agent publishes from its task sources (Mesos, a container
/// runtime, registered services), or with `--all` every agent's tasks as the store holds them.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List the tasks this agent publishes, per source (--all: every agent's)."
    )

    @OptionGroup var options: ClientOptions
    @Flag(help: "Every agent's tasks, as the replicated store holds them.") var all = false
    @Option(help: "Only this source: mesos, runtime or registered.") var source: String?

    func run() async throws {
        try await runClient { () throws(RuntimeError) in
            let answer = try await options.client().json(.GET, all ? "/v1/tasks?all=true" : "/v1/tasks")
            guard case let .array(tasks) = answer else { throw RuntimeError("unexpected answer from /v1/tasks") }
            let selected = tasks.filter { source == nil || $0["source"]?.cell == source }
            if options.json {
                print(JSONValue.array(selected).text)
                return
            }
            let rows = selected.map { task -> [String] in
                var addresses = "-"
                if case let .array(list)? = task["addresses"], !list.isEmpty { addresses = list.map(\.cell).joined(separator: ",") }
                var ports = "-"
                if case let .array(list)? = task["ports"], !list.isEmpty {
                    ports = list.map { port in
                        let container = port["container_port"]?.cell ?? "-"
                        let host = port["host_port"].map { "→\($0.cell)" } ?? ""
                        var vips = ""
                        if case let .array(labels)? = port["vips"], !labels.isEmpty { vips = " " + labels.map(\.cell).joined(separator: ",") }
                        return "\(container)\(host)/\(port["protocol"]?.cell ?? "tcp")\(vips)"
                    }.joined(separator: " ")
                }
                return [task["node"]?.cell ?? "-", task["source"]?.cell ?? "-", task["name"]?.cell ?? "-", task["framework"]?.cell ?? "-",
                        task["agent_ip"]?.cell ?? "-", addresses, ports, task["state"]?.cell ?? "-", task["health"]?.cell ?? "-"]
            }
            printTable(["NODE", "SOURCE", "NAME", "FRAMEWORK", "AGENT IP", "ADDRESSES", "PORTS", "STATE", "HEALTH"], rows)
        }
    }
}
