import LashupMembership

/// Distances from one root kept up to date from the edges that changed, instead of a
/// breadth-first search over the whole graph after every change.
///
/// At a thousand nodes every node recomputed its routes after each batch of record changes,
/// and those searches were a third of the simulator's time. Most changes cannot move any
/// distance, and the rest move few:
/// - an edge added from a reachable node can only shorten distances, found by relaxing
///   outwards from its target;
/// - an edge removed matters only if it was *tight* (its target was one hop further than
///   its source). If every tight target sits on one level `m` and still has an incoming edge
///   from level `m − 1` (which no removal can reach, since removals only lengthen distances
///   of level `m` and beyond), nothing changes. Otherwise the whole search runs, as before.
/// The result is always exactly what `distances(from:)` returns (a property test checks it).
extension RouteGraph {
    /// Brings `distance` (hop distances from `root`, indexed by number, -1 unreachable, as
    /// computed before the pending changes) up to date with every edge change since the last
    /// call, and forgets those changes. An empty `distance` gets a full computation.
    public mutating func refreshDistances(_ distance: inout [Int], from root: NodeID) {
        defer { clearChangeLog() }
        guard let start = number(of: root), start < distance.count, distance[start] == 0 else {
            distance = distances(from: root)
            return
        }
        if distance.count < ids.count { distance += Array(repeating: -1, count: ids.count - distance.count) }

        var tightTargets: [Int] = []
        var relaxSeeds: [Int] = []
        for (source, previous) in changeLog where distance[source] >= 0 {
            let current = edges[source]
            for target in previous where !current.contains(target) && distance[target] == distance[source] + 1 {
                tightTargets.append(target)
            }
            for target in current where !previous.contains(target) && (distance[target] < 0 || distance[target] > distance[source] + 1) {
                relaxSeeds.append(source)
                break
            }
        }
        if !tightTargets.isEmpty && !removalsKeepDistances(tightTargets, distance) {
            distance = distances(from: root)
            return
        }
        guard !relaxSeeds.isEmpty else { return }
        // Shortening only: relax outwards from each source that gained an edge. A node may be
        // relaxed more than once when seeds sit at different depths; the fixed point is the
        // breadth-first distance either way.
        var queue = relaxSeeds
        var head = 0
        while head < queue.count {
            let vertex = queue[head]
            head += 1
            let next = distance[vertex] + 1
            for neighbour in edges[vertex] where distance[neighbour] < 0 || distance[neighbour] > next {
                distance[neighbour] = next
                queue.append(neighbour)
            }
        }
    }

    /// Whether removing the tight edges into `targets` leaves every distance as it was: all
    /// targets on one level, each still fed from the level above.
    private func removalsKeepDistances(_ targets: [Int], _ distance: [Int]) -> Bool {
        let level = distance[targets[0]]
        for target in targets {
            guard distance[target] == level else { return false }
            guard reverseEdges[target].contains(where: { distance[$0] == level - 1 }) else { return false }
        }
        return true
    }

    private mutating func clearChangeLog() {
        for (source, _) in changeLog { changed[source] = false }
        changeLog.removeAll(keepingCapacity: true)
    }
}
