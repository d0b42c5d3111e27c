/// The set of dots a state has seen: a version vector for the contiguous prefix of each
/// replica's events plus a "dot cloud" for events seen out of order.
///
/// Dots enter the cloud when a delta arrives before its predecessors and move into the vector
/// as soon as the gap closes (`compact`), so in steady state the cloud is empty and the context
/// is as small as a version vector.
public struct CausalContext: Equatable, Sendable, CustomStringConvertible {
    public private(set) var versionVector: VersionVector
    public private(set) var cloud: Set<Dot>

    public init(versionVector: VersionVector = VersionVector(), cloud: Set<Dot> = []) {
        self.versionVector = versionVector
        self.cloud = []
        for dot in cloud { insert(dot) }
    }

    public var isEmpty: Bool { versionVector.isEmpty && cloud.isEmpty }

    public func contains(_ dot: Dot) -> Bool {
        versionVector.contains(dot) || cloud.contains(dot)
    }

    /// Adds one dot, compacting if it closes a gap.
    public mutating func insert(_ dot: Dot) {
        guard dot.counter > 0, !contains(dot) else { return }
        if dot.counter == versionVector[dot.replica] + 1 {
            versionVector[dot.replica] = dot.counter
            compact(dot.replica)
        } else {
            cloud.insert(dot)
        }
    }

    /// The union of two contexts.
    public mutating func merge(_ other: CausalContext) {
        if other.cloud.isEmpty && cloud.isEmpty {
            versionVector.merge(other.versionVector)
            return
        }
        versionVector.merge(other.versionVector)
        var touched = Set<ReplicaID>()
        for dot in other.cloud where !versionVector.contains(dot) {
            cloud.insert(dot)
            touched.insert(dot.replica)
        }
        let covered = cloud.filter { versionVector.contains($0) }
        cloud.subtract(covered)
        for replica in other.versionVector.counters.keys { touched.insert(replica) }
        for replica in touched { compact(replica) }
    }

    public func merged(_ other: CausalContext) -> CausalContext {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// The next unused dot for `replica`: one past everything this context has seen from it.
    public func nextDot(for replica: ReplicaID) -> Dot {
        var highest = versionVector[replica]
        for dot in cloud where dot.replica == replica && dot.counter > highest {
            highest = dot.counter
        }
        return Dot(replica, highest + 1)
    }

    /// Number of dots covered, stopping once it exceeds `limit` (a full state covers billions).
    func coveredDotCount(limit: Int) -> Int {
        var total = cloud.count
        for counter in versionVector.counters.values {
            if counter > UInt64(limit) { return limit + 1 }
            total += Int(counter)
            if total > limit { return limit + 1 }
        }
        return total
    }

    /// Calls `body` for every covered dot. Only sensible when `coveredDotCount` is small.
    func forEachCoveredDot(_ body: (Dot) -> Void) {
        for (replica, counter) in versionVector.counters {
            for value in 1...counter { body(Dot(replica, value)) }
        }
        for dot in cloud { body(dot) }
    }

    /// Every replica that appears in the context, sorted.
    var replicas: [ReplicaID] {
        var all = Set(versionVector.counters.keys)
        for dot in cloud { all.insert(dot.replica) }
        return all.sorted()
    }

    private mutating func compact(_ replica: ReplicaID) {
        var next = versionVector[replica] + 1
        while cloud.remove(Dot(replica, next)) != nil {
            versionVector[replica] = next
            next += 1
        }
    }

    public var description: String {
        cloud.isEmpty ? versionVector.description : "\(versionVector) + \(cloud.sorted())"
    }
}
