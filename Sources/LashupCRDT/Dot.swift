/// One event: the `counter`-th update issued by `replica`. Dots are unique cluster-wide, which
/// is what lets a causal context say precisely which updates a state has seen.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let replica: ReplicaID
    /// Starts at 1; 0 never names an event.
    public let counter: UInt64

    public init(_ replica: ReplicaID, _ counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    public static func < (lhs: Dot, rhs: Dot) -> Bool {
        lhs.replica != rhs.replica ? lhs.replica < rhs.replica : lhs.counter < rhs.counter
    }

    public var description: String { "\(replica):\(counter)" }
}
