import Hummingbird
import LashupCluster

/// `GET /lashup/topology[?root=NODE]`: the overlay as a graph from this agent's point of view,
/// for the dashboard's topology page: every known node with its reachability, distance,
/// leaving flag and advertised active view (`links`), and its parent in the shortest-path tree
/// from `root` (this node by default).
enum TopologyRoute {
    static func add(to router: Router<BasicRequestContext>, introspection: any ClusterIntrospection) {
        router.get("/lashup/topology") { request, _ in
            let tree = await introspection.tree(root: request.uri.queryParameters.get("root"))
            let parents = Dictionary(tree.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let links = await introspection.links()
            let nodes = await introspection.members().map { member -> JSONValue in
                let entry = parents[member.name]
                return .object([
                    "name": .string(member.name), "address": .string(member.address), "reachable": .bool(member.reachable),
                    "leaving": .bool(member.leaving), "self": .bool(member.isSelf),
                    "distance": member.distance.map { .integer(Int64($0)) } ?? .null,
                    "parent": entry?.parent.map(JSONValue.string) ?? .null,
                    "tree_distance": entry?.distance.map { .integer(Int64($0)) } ?? .null,
                    "links": .array((links[member.name] ?? []).map(JSONValue.string)),
                ])
            }
            return AgentRoutes.json(.object(["root": .string(tree.root), "nodes": .array(nodes)]))
        }
    }
}
