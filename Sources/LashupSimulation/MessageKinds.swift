/// How many messages of one kind a run sent, per node and second of simulated time: where
/// a protocol's traffic goes (for example, that duplicate payloads and the prunes they cause
/// made up two thirds of a 1 000-node cluster's messages while it formed).
public struct MessageKindRate: Sendable, Equatable {
    /// The message kind's short name (`gossip`, `prune`, `ping` …).
    public var kind: String
    public var perNodePerSecond: Double

    public init(kind: String, perNodePerSecond: Double) {
        self.kind = kind
        self.perNodePerSecond = perNodePerSecond
    }
}

/// Messages counted by kind. A message's trace code is its kind code, below 256, so the
/// count is an array slot per send, not a hash.
struct MessageKindCounter {
    private var counts = [Int](repeating: 0, count: 256)
    private var names = [String?](repeating: nil, count: 256)

    mutating func count(code: UInt64, name: @autoclosure () -> String) {
        let slot = Int(truncatingIfNeeded: code & 0xFF)
        counts[slot] += 1
        if names[slot] == nil { names[slot] = name() }
    }

    /// Every kind sent at least once, most frequent first (ties by name, so output is stable).
    func rates(nodes: Int, seconds: Double) -> [MessageKindRate] {
        let scale = nodes > 0 && seconds > 0 ? 1 / (Double(nodes) * seconds) : 0
        return counts.indices
            .filter { counts[$0] > 0 }
            .map { (names[$0] ?? "kind-\($0)", counts[$0]) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            .map { MessageKindRate(kind: $0.0, perNodePerSecond: Double($0.1) * scale) }
    }
}
