/// Strongly connected components of a directed graph given as adjacency lists, by an
/// iterative Tarjan (no recursion, so 10 000-node graphs cannot overflow the stack).
public enum OverlayGraph {
    /// Components among `vertices` (edges to other vertices are ignored), each sorted,
    /// listed in order of their smallest vertex.
    public static func stronglyConnectedComponents(vertices: [Int], edges: (Int) -> [Int]) -> [[Int]] {
        let included = Set(vertices)
        var index: [Int: Int] = [:]
        var lowLink: [Int: Int] = [:]
        var onStack = Set<Int>()
        var stack: [Int] = []
        var components: [[Int]] = []
        var counter = 0

        for root in vertices.sorted() where index[root] == nil {
            // Each frame: vertex and its remaining successors.
            var frames: [(vertex: Int, successors: [Int], position: Int)] = []
            func push(_ vertex: Int) {
                index[vertex] = counter
                lowLink[vertex] = counter
                counter += 1
                stack.append(vertex)
                onStack.insert(vertex)
                frames.append((vertex, edges(vertex).filter { included.contains($0) }, 0))
            }
            push(root)
            while !frames.isEmpty {
                let top = frames.count - 1
                let vertex = frames[top].vertex
                if frames[top].position < frames[top].successors.count {
                    let next = frames[top].successors[frames[top].position]
                    frames[top].position += 1
                    if index[next] == nil {
                        push(next)
                    } else if onStack.contains(next) {
                        lowLink[vertex] = min(lowLink[vertex]!, index[next]!)
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last?.vertex {
                    lowLink[parent] = min(lowLink[parent]!, lowLink[vertex]!)
                }
                if lowLink[vertex] == index[vertex] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack.remove(member)
                        component.append(member)
                        if member == vertex { break }
                    }
                    components.append(component.sorted())
                }
            }
        }
        return components.sorted { $0[0] < $1[0] }
    }
}

extension Simulation {
    /// Indices of nodes that are up or paused.
    public var liveNodes: [Int] { (0..<nodeCount).filter { status[$0] != .crashed } }

    /// Strongly connected components of the active-view graph among live nodes.
    public func overlayComponents() -> [[Int]] {
        OverlayGraph.stronglyConnectedComponents(vertices: liveNodes) { vertex in
            (self.node(vertex)?.simulatedActiveView ?? []).compactMap { self.index(of: $0.id) }
        }
    }
}
