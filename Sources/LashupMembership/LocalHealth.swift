/// Lifeguard's local-health multiplier: a score that rises when this node shows signs of being
/// the problem (its timers fire late, its probes get no answer from anyone) and falls with
/// every clean round trip. Timeouts are stretched by `1 + score`, so a slow or overloaded node
/// stops accusing healthy neighbours.
public struct LocalHealth: Sendable, Equatable {
    public private(set) var score = 0
    public let maximum: Int

    public init(maximum: Int) { self.maximum = maximum }

    public mutating func worsen() { score = min(score + 1, maximum) }
    public mutating func improve() { score = max(score - 1, 0) }

    /// `base` stretched by the current score.
    public func stretch(_ base: Duration) -> Duration { base * (score + 1) }
}
