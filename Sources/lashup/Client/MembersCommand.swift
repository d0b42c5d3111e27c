import ArgumentParser
import LashupAPI
import NIOHTTP1
import LashupRuntime

/// `lashup members`: every node the agent knows, itself included.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List every known node: address, incarnation, reachability, distance.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runClient { () throws(RuntimeError) in
            let members = try await options.client().json(.GET, "/lashup/members")
            if options.json {
                print(members.text)
                return
            }
            printTable(["NAME", "ADDRESS", "INCARNATION", "REACHABLE", "DISTANCE", "LAST HEARD (ms ago)", "LEAVING"], members.arrayItems.map { member in
                let name = member["name"]?.cell ?? "?"
                return [
                    member["self"] == .bool(true) ? "\(name) (self)" : name,
                    member["address"]?.cell ?? "-", member["incarnation"]?.cell ?? "-", member["reachable"]?.cell ?? "-",
                    member["distance"]?.cell ?? "-", member["last_heard_ms_ago"]?.cell ?? "-", member["leaving"]?.cell ?? "-",
                ]
            })
        }
    }
}

/// `lashup tree`: the shortest-path tree from a node.
struct TreeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tree", abstract: "Show the shortest-path spanning tree from this node (or --root).")
    @OptionGroup var options: ClientOptions
    @Option(help: "The tree's root node (default: the agent's node).") var root: String?

    func run() async throws {
        try await runClient { () throws(RuntimeError) in
            let path = root.map { "/lashup/tree?root=\(URLText.query($0))" } ?? "/lashup/tree"
            let tree = try await options.client().json(.GET, path)
            if options.json {
                print(tree.text)
                return
            }
            print("root: \(tree["root"]?.cell ?? "?")")
            printTable(["NAME", "PARENT", "DISTANCE"], (tree["nodes"]?.arrayItems ?? []).map { node in
                [node["name"]?.cell ?? "?", node["parent"]?.cell ?? "-", node["distance"].map { $0 == .null ? "unreachable" : $0.cell } ?? "-"]
            })
        }
    }
}
