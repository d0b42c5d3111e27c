import LashupMembership

/// One node's place in a shortest-hop tree.
public struct Route: Sendable, Equatable {
    /// The next node towards the root; `nil` for the root and for unreachable nodes.
    public var parent: NodeID?
    /// Hops from the root; `nil` (∞) when unreachable.
    public var distance: Int?
    /// Nodes whose parent this node is, sorted.
    public var children: [NodeID]

    public var isReachable: Bool { distance != nil }
}

/// The directed graph node → advertised active view, and breadth-first trees over it.
///
/// Nodes are numbered densely as they are first seen so trees are computed over arrays, and
/// neighbours are visited in id order so ties break the same way on every node.
public struct RouteGraph: Sendable {
    public private(set) var ids: [NodeID] = []
    private var numbers: [NodeID: Int] = [:]
    private(set) var edges: [[Int]] = []
    /// Incoming edges of each node (who advertises it), for incremental distances.
    private(set) var reverseEdges: [[Int]] = []
    /// Sources whose edges changed since distances were last refreshed, each with the edges
    /// it had then, in the order of first change; `changed` marks them (see
    /// `refreshDistances`).
    var changeLog: [(source: Int, previous: [Int])] = []
    var changed: [Bool] = []

    public init() {}

    public var nodeCount: Int { ids.count }

    /// The dense number of `node`, adding it if new.
    public mutating func number(_ node: NodeID) -> Int {
        if let number = numbers[node] { return number }
        let number = ids.count
        ids.append(node)
        numbers[node] = number
        edges.append([])
        reverseEdges.append([])
        changed.append(false)
        return number
    }

    public func number(of node: NodeID) -> Int? { numbers[node] }

    /// Replaces `node`'s outgoing edges with its advertised view.
    public mutating func setEdges(from node: NodeID, to view: [NodeID]) {
        let source = number(node)
        // Numbering keeps the view's order, and a record's view is sorted by id already.
        let targets = view.sortedIfNeeded().filter { $0 != node }.map { number($0) }
        // A view naming a node twice (a damaged or hostile record) is one edge.
        var unique: [Int] = []
        for target in targets where unique.last != target { unique.append(target) }
        replaceEdges(of: source, with: unique)
    }

    /// Removes `node`'s outgoing edges (its record expired or it left).
    public mutating func clearEdges(from node: NodeID) {
        if let source = numbers[node] { replaceEdges(of: source, with: []) }
    }

    private mutating func replaceEdges(of source: Int, with targets: [Int]) {
        let previous = edges[source]
        guard previous != targets else { return }
        if !changed[source] {
            changed[source] = true
            changeLog.append((source, previous))
        }
        for target in previous where !targets.contains(target) {
            if let index = reverseEdges[target].firstIndex(of: source) { reverseEdges[target].remove(at: index) }
        }
        for target in targets where !previous.contains(target) {
            reverseEdges[target].append(source)
        }
        edges[source] = targets
    }

    /// Hop distance from `root` to every numbered node; -1 where unreachable. Parents are the
    /// first neighbour (in id order) that reached the node, so trees are deterministic.
    public func breadthFirst(from root: NodeID) -> (distance: [Int], parent: [Int]) {
        var distance = Array(repeating: -1, count: ids.count)
        var parent = Array(repeating: -1, count: ids.count)
        guard let start = numbers[root] else { return (distance, parent) }
        distance[start] = 0
        var frontier = [start]
        var next: [Int] = []
        while !frontier.isEmpty {
            next.removeAll(keepingCapacity: true)
            for vertex in frontier {
                for neighbour in edges[vertex] where distance[neighbour] < 0 {
                    distance[neighbour] = distance[vertex] + 1
                    parent[neighbour] = vertex
                    next.append(neighbour)
                }
            }
            // Visit each level in id order so that parents do not depend on numbering.
            next.sort { ids[$0] < ids[$1] }
            swap(&frontier, &next)
        }
        return (distance, parent)
    }

    /// Hop distance from `root` to every numbered node (indexed by number), -1 where
    /// unreachable. Distances do not depend on tie-breaking, so unlike the tree queries this
    /// orders nothing and is cheap enough to run after every table change.
    public func distances(from root: NodeID) -> [Int] {
        var distance = Array(repeating: -1, count: ids.count)
        guard let start = numbers[root] else { return distance }
        distance[start] = 0
        var queue = [start]
        var head = 0
        while head < queue.count {
            let vertex = queue[head]
            head += 1
            for neighbour in edges[vertex] where distance[neighbour] < 0 {
                distance[neighbour] = distance[vertex] + 1
                queue.append(neighbour)
            }
        }
        return distance
    }

    /// The shortest-hop tree rooted at `root`, with an entry for every known node.
    public func tree(root: NodeID) -> [NodeID: Route] {
        let (distance, parent) = breadthFirst(from: root)
        var routes: [NodeID: Route] = [:]
        var children = Array(repeating: [NodeID](), count: ids.count)
        for vertex in ids.indices where parent[vertex] >= 0 {
            children[parent[vertex]].append(ids[vertex])
        }
        for vertex in ids.indices {
            routes[ids[vertex]] = Route(
                parent: parent[vertex] >= 0 ? ids[parent[vertex]] : nil,
                distance: distance[vertex] >= 0 ? distance[vertex] : nil,
                children: children[vertex].sorted()
            )
        }
        return routes
    }

    /// The hops from `root` to `target` (both included), or `nil` when unreachable.
    public func path(from root: NodeID, to target: NodeID) -> [NodeID]? {
        guard let end = numbers[target] else { return nil }
        let (distance, parent) = breadthFirst(from: root)
        guard distance[end] >= 0 else { return nil }
        var path = [ids[end]]
        var vertex = end
        while parent[vertex] >= 0 {
            vertex = parent[vertex]
            path.append(ids[vertex])
        }
        return path.reversed()
    }

    /// Every known node reachable from `root` (root included), sorted.
    public func reachable(from root: NodeID) -> [NodeID] {
        let (distance, _) = breadthFirst(from: root)
        return ids.indices.filter { distance[$0] >= 0 }.map { ids[$0] }.sorted()
    }

    /// Every known node not reachable from `root`, sorted.
    public func unreachable(from root: NodeID) -> [NodeID] {
        let (distance, _) = breadthFirst(from: root)
        return ids.indices.filter { distance[$0] < 0 }.map { ids[$0] }.sorted()
    }
}
