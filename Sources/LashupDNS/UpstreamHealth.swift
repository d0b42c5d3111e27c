/// Which upstreams to ask ("dual dispatch"): with fewer than three, all of them; otherwise two
/// of those with the fewest recent failures (or the single best plus one from the next
/// group). A success clears an upstream's count. Sans-I/O: randomness is passed in.
public struct UpstreamHealth: Sendable {
    /// Consecutive failures per upstream. Bounded: only configured upstreams are counted.
    public private(set) var failures: [Upstream: Int] = [:]

    public init() {}

    public mutating func recordFailure(_ upstream: Upstream) { failures[upstream, default: 0] += 1 }
    public mutating func recordSuccess(_ upstream: Upstream) { failures[upstream] = nil }

    public func choose<Generator: RandomNumberGenerator>(from upstreams: [Upstream], random: inout Generator) -> [Upstream] {
        guard upstreams.count >= 3 else { return upstreams }
        let groups = Dictionary(grouping: upstreams) { failures[$0] ?? 0 }.sorted { $0.key < $1.key }.map(\.value)
        let best = groups[0]
        if best.count >= 2 { return Array(best.shuffled(using: &random).prefix(2)) }
        return best + [groups[1].randomElement(using: &random)!]
    }
}
