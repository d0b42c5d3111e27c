import LashupWire

/// A set of dots: the store of an enable-wins flag and of each element of an OR-set.
///
/// Kept as a sorted array: an element almost always holds one dot (a re-add replaces the dots
/// it observed), and a flag holds one per concurrent enabler, so a linear scan beats hashing
/// and the array costs one small allocation instead of a hash table per element.
public struct DotSet: DotStore, CustomStringConvertible {
    /// Sorted, without duplicates.
    public private(set) var dots: [Dot]

    public init(_ dots: some Sequence<Dot> = []) {
        self.dots = Array(Set(dots)).sorted()
    }

    private init(sorted: [Dot]) { dots = sorted }

    /// The set of one dot, as add and enable deltas carry.
    init(single dot: Dot) { dots = [dot] }

    public func contains(_ dot: Dot) -> Bool { dots.contains(dot) }

    public var isEmpty: Bool { dots.isEmpty }
    public var dotCount: Int { dots.count }
    public func forEachDot(_ body: (Dot) -> Void) { dots.forEach(body) }
    public func makeEmpty() -> DotSet { DotSet(sorted: []) }

    public mutating func join(_ other: DotSet, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        if dots == other.dots { return }
        var result: [Dot] = []
        result.reserveCapacity(max(dots.count, other.dots.count))
        for dot in dots {
            if other.dots.contains(dot) || !otherContext.contains(dot) {
                result.append(dot)
            } else {
                changes.removed.append(dot)
            }
        }
        for dot in other.dots where !dots.contains(dot) && !context.contains(dot) {
            result.append(dot)
            changes.added.append(dot)
        }
        if result.count > 1 { result.sort() }
        dots = result
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) {
        writer.writeVarint(dots.count)
        for dot in dots { replicas.writeDot(dot, to: &writer) }
    }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        let count = try reader.readCount("dotSet.count", minimumElementBytes: 2)
        var dots: [Dot] = []
        dots.reserveCapacity(count)
        for _ in 0..<count {
            let dot = try replicas.readDot(from: &reader, "dotSet.dot")
            if let last = dots.last, !(last < dot) {
                throw .invalidValue(field: "dotSet", reason: "dots not in strictly increasing order")
            }
            dots.append(dot)
        }
        self.dots = dots
    }

    public var description: String { dots.description }
}
