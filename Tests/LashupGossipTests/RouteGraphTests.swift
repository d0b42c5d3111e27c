import LashupGossip
import LashupMembership
import LashupTestSupport
import PropertyBased
import Testing

/// Stateful property test of routing against a plain reference graph, as the original did:
/// after any sequence of view changes, reachable ⇔ a path exists, `path` is a shortest path
/// along real edges, and the tree's parents, children and distances agree.
@Suite("Routing", .onDedicatedThread)
struct RouteGraphTests {
    /// The obvious implementation: adjacency sets and a textbook BFS.
    struct Reference {
        var edges: [String: Set<String>] = [:]
        var nodes: Set<String> = []

        func distances(from root: String) -> [String: Int] {
            guard nodes.contains(root) else { return [:] }
            var distance = [root: 0]
            var queue = [root]
            while !queue.isEmpty {
                let vertex = queue.removeFirst()
                for next in edges[vertex, default: []] where distance[next] == nil {
                    distance[next] = distance[vertex]! + 1
                    queue.append(next)
                }
            }
            return distance
        }
    }

    @Test("reachability, paths and trees agree with a reference graph under random edits")
    func againstReference() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 1...60)) { script in
            var graph = RouteGraph()
            var reference = Reference()
            let names = (0..<12).map { "n\($0)" }
            for code in script {
                let node = names[code % names.count]
                if code % 7 == 0 {
                    graph.clearEdges(from: NodeID(node))
                    reference.edges[node] = []
                    if graph.number(of: NodeID(node)) != nil { reference.nodes.insert(node) }
                } else {
                    let view = names.enumerated().filter { (code >> ($0.offset + 3)) & 1 == 1 && $0.element != node }.map(\.element)
                    graph.setEdges(from: NodeID(node), to: view.map { NodeID($0) })
                    reference.edges[node] = Set(view)
                    reference.nodes.insert(node)
                    reference.nodes.formUnion(view)
                }
            }
            for root in reference.nodes.sorted() {
                let expected = reference.distances(from: root)
                let tree = graph.tree(root: NodeID(root))
                #expect(Set(graph.reachable(from: NodeID(root)).map(\.name)) == Set(expected.keys))
                #expect(Set(graph.unreachable(from: NodeID(root)).map(\.name)) == reference.nodes.subtracting(expected.keys))
                for target in reference.nodes {
                    let route = tree[NodeID(target)]
                    #expect(route?.distance == expected[target], "distance \(root)→\(target)")
                    if let path = graph.path(from: NodeID(root), to: NodeID(target)) {
                        #expect(path.count - 1 == expected[target], "path is a shortest path")
                        #expect(path.first?.name == root && path.last?.name == target)
                        for (from, to) in zip(path, path.dropFirst()) {
                            #expect(reference.edges[from.name, default: []].contains(to.name), "path follows real edges")
                        }
                    } else {
                        #expect(expected[target] == nil, "no path although reachable")
                    }
                    if let parent = route?.parent {
                        #expect(tree[parent]?.children.contains(NodeID(target)) == true)
                        #expect(reference.edges[parent.name, default: []].contains(target))
                    }
                }
            }
        }
    }

    @Test("distances kept up to date from changed edges equal a full search after every batch")
    func incrementalDistances() async {
        // Views of 1 to 4 nodes out of 16, edited one to five at a time, as records arrive;
        // sparse enough that removals often cut the only route and force the full search.
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 1...80)) { script in
            var graph = RouteGraph()
            let names = (0..<16).map { NodeID("n\($0)") }
            let root = names[0]
            var distance: [Int] = []
            for (step, code) in script.enumerated() {
                let source = names[code % names.count]
                if code % 11 == 0 {
                    graph.clearEdges(from: source)
                } else {
                    let view = (0..<(1 + (code >> 4) % 4)).map { names[(code >> (8 + 3 * $0)) % names.count] }
                    graph.setEdges(from: source, to: view)
                }
                if step % (1 + code % 5) == 0 {
                    graph.refreshDistances(&distance, from: root)
                    #expect(distance == graph.distances(from: root), "after step \(step)")
                }
            }
            graph.refreshDistances(&distance, from: root)
            #expect(distance == graph.distances(from: root))
        }
    }

    @Test("a view naming a node twice is one edge, and removing it leaves no trace")
    func duplicateTargets() {
        var graph = RouteGraph()
        var distance: [Int] = []
        graph.setEdges(from: "r", to: ["a", "a", "b"])
        graph.refreshDistances(&distance, from: "r")
        graph.setEdges(from: "r", to: ["b"])
        graph.refreshDistances(&distance, from: "r")
        #expect(distance == graph.distances(from: "r"))
        #expect(graph.reachable(from: "r").map(\.name) == ["b", "r"])
    }

    @Test("ties break the same way whatever order nodes were first seen in")
    func deterministicTies() {
        var first = RouteGraph()
        first.setEdges(from: "r", to: ["b", "a"])
        first.setEdges(from: "a", to: ["x"])
        first.setEdges(from: "b", to: ["x"])
        var second = RouteGraph()
        second.setEdges(from: "b", to: ["x"])
        second.setEdges(from: "a", to: ["x"])
        second.setEdges(from: "r", to: ["a", "b"])
        #expect(first.tree(root: "r") == second.tree(root: "r"))
        #expect(first.tree(root: "r")[NodeID("x")]?.parent == NodeID("a"))
    }
}
