import LashupWire

/// A set of dots: the store of an enable-wins flag and of each element of an OR-set.
public struct DotSet: DotStore, CustomStringConvertible {
    public private(set) var dots: Set<Dot>

    public init(_ dots: Set<Dot> = []) { self.dots = dots }

    public var isEmpty: Bool { dots.isEmpty }
    public var dotCount: Int { dots.count }
    public func forEachDot(_ body: (Dot) -> Void) { dots.forEach(body) }
    public func makeEmpty() -> DotSet { DotSet() }

    public mutating func join(_ other: DotSet, context: CausalContext, otherContext: CausalContext, changes: inout DotChanges) {
        for dot in dots where !other.dots.contains(dot) && otherContext.contains(dot) {
            dots.remove(dot)
            changes.removed.append(dot)
        }
        for dot in other.dots where !dots.contains(dot) && !context.contains(dot) {
            dots.insert(dot)
            changes.added.append(dot)
        }
    }

    public func encode(to writer: inout WireWriter, replicas: ReplicaTable) {
        writer.writeVarint(dots.count)
        for dot in dots.sorted() { replicas.writeDot(dot, to: &writer) }
    }

    public init(from reader: inout WireReader, replicas: ReplicaTable) throws(WireError) {
        let count = try reader.readCount("dotSet.count", minimumElementBytes: 2)
        var dots = Set<Dot>(minimumCapacity: count)
        for _ in 0..<count {
            let dot = try replicas.readDot(from: &reader, "dotSet.dot")
            if !dots.insert(dot).inserted { throw .invalidValue(field: "dotSet", reason: "duplicate dot \(dot)") }
        }
        self.dots = dots
    }

    public var description: String { dots.sorted().description }
}
