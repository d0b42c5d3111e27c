import ArgumentParser
import Foundation
import LashupAPI
import NIOHTTP1
import LashupRuntime

/// `lashup members`: every node the agent knows, itself included.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List every known node: address, incarnation, reachability, distance.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runClient { () throws(RuntimeError) in
            let client = try options.client()
            let members = try await client.json(.GET, "/lashup/members")
            if options.json {
                print(members.text)
                return
            }
            // An island is what an operator must not miss: say so before the table.
            let split = try await client.json(.GET, "/lashup/split")
            if split["split"] == .bool(true) {
                let contacts = (split["unreachable_contacts"]?.arrayItems ?? []).map(\.cell)
                let linked = split["unreachable_linked_members"]?.arrayItems.count ?? 0
                var evidence: [String] = []
                if !contacts.isEmpty { evidence.append("contacts unreachable: \(contacts.joined(separator: ", "))") }
                if linked > 0 { evidence.append("\(linked) unreachable members still linked to each other") }
                FileHandle.standardError.write(Data("warning: the overlay is split as seen from this agent (\(evidence.joined(separator: "; "))); it keeps probing them; see GET /lashup/split\n".utf8))
            }
            let me = try await client.json(.GET, "/lashup/self")
            let neighbours = me["neighbours"]?.cell ?? "?"
            switch me["state"] {
            case .string("alone")?: print("this node: alone (started without --join)")
            case .string("joining")?: print("this node: joining (no neighbours yet; \(me["contacts"]?.cell ?? "?") contacts; see the agent's log for why)")
            default: print("this node: in a cluster of \(me["reachable_members"]?.cell ?? "?") reachable nodes (\(neighbours) neighbours)")
            }
            printTable(["NAME", "ADDRESS", "INCARNATION", "STATE", "DISTANCE", "LAST HEARD (ms ago)"], members.arrayItems.map { member in
                let name = member["name"]?.cell ?? "?"
                return [
                    member["self"] == .bool(true) ? "\(name) (self)" : name,
                    member["address"]?.cell ?? "-", member["incarnation"]?.cell ?? "-", member["state"]?.cell ?? "-",
                    member["distance"]?.cell ?? "-", member["last_heard_ms_ago"]?.cell ?? "-",
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
