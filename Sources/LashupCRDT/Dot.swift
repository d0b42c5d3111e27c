/// One event: the `counter`-th update issued by `replica`. Dots are unique cluster-wide, which
/// is what lets a causal context say precisely which updates a state has seen.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let replica: ReplicaID
    /// Starts at 1; 0 never names an event.
    public let counter: UInt64

    /// The largest counter a decoder accepts. No replica issues 2^62 updates (a million a
    /// second for 146 000 years), and the bound leaves room for `+ 1` everywhere: a peer that
    /// sends a counter at `UInt64.max` (found by fuzzing) would otherwise make the next
    /// write, merge or compaction trap.
    public static let maximumCounter: UInt64 = 1 << 62

    public init(_ replica: ReplicaID, _ counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    public static func < (lhs: Dot, rhs: Dot) -> Bool {
        lhs.replica != rhs.replica ? lhs.replica < rhs.replica : lhs.counter < rhs.counter
    }

    public var description: String { "\(replica):\(counter)" }
}
