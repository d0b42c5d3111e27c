import ArgumentParser
import Foundation
import LashupAPI
import LashupCluster
import LashupRuntime
import NIOHTTP1

/// Reads a response body as the shape the API wrote it in.
func shape<Shape: JSONShape>(_ type: Shape.Type, _ body: JSONValue) throws(RuntimeError) -> Shape {
    do {
        return try Shape(json: body)
    } catch {
        throw RuntimeError("the agent's response is not what this client expects: \(error)")
    }
}

/// `lashup members`: every node the agent knows, itself included.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List every known node: address, incarnation, reachability, distance.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runClient { () throws(RuntimeError) in
            let client = try options.client()
            let body = try await client.json(.GET, "/lashup/members")
            if options.json {
                print(body.text)
                return
            }
            let members = try body.arrayItems.map { item throws(RuntimeError) in try shape(MemberView.self, item) }
            // An island is what an operator must not miss: say so before the table.
            let split = try shape(SplitView.self, try await client.json(.GET, "/lashup/split"))
            if split.split {
                let contacts = split.unreachableContacts
                let linked = split.unreachableLinkedMembers.count
                var evidence: [String] = []
                if !contacts.isEmpty { evidence.append("contacts unreachable: \(contacts.joined(separator: ", "))") }
                if linked > 0 { evidence.append("\(linked) unreachable members still linked to each other") }
                FileHandle.standardError.write(Data("warning: the overlay is split as seen from this agent (\(evidence.joined(separator: "; "))); it keeps probing them; see GET /lashup/split\n".utf8))
            }
            let me = try shape(SelfView.self, try await client.json(.GET, "/lashup/self"))
            switch me.state {
            case .alone: print("this node: alone (started without --join)")
            case .joining: print("this node: joining (no neighbours yet; \(me.contacts) contacts; see the agent's log for why)")
            case .cluster: print("this node: in a cluster of \(me.reachableMembers) reachable nodes (\(me.neighbours) neighbours)")
            }
            printTable(["NAME", "ADDRESS", "INCARNATION", "STATE", "DISTANCE", "LAST HEARD (ms ago)"], members.map { member in
                [
                    member.isSelf ? "\(member.name) (self)" : member.name, member.address, "\(member.incarnation)", member.state,
                    member.distance.map(String.init) ?? "-", member.lastHeardMillisecondsAgo.map(String.init) ?? "-",
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
            let body = try await options.client().json(.GET, path)
            if options.json {
                print(body.text)
                return
            }
            let tree = try shape(TreeResponse.self, body)
            print("root: \(tree.root)")
            printTable(["NAME", "PARENT", "DISTANCE"], tree.nodes.map { node in
                [node.name, node.parent ?? "-", node.distance.map(String.init) ?? "unreachable"]
            })
        }
    }
}
