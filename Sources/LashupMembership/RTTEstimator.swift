/// Round-trip time history of one link, as TCP keeps it (RFC 6298): a smoothed RTT and its
/// variation, so one slow pong widens the timeout instead of evicting the neighbour.
public struct RTTEstimator: Sendable, Equatable {
    public private(set) var smoothed: Duration?
    public private(set) var variation: Duration = .zero

    public init() {}

    /// Folds in one sample (α = 1/8, β = 1/4).
    public mutating func record(_ sample: Duration) {
        guard let current = smoothed else {
            smoothed = sample
            variation = sample / 2
            return
        }
        let error = sample > current ? sample - current : current - sample
        variation = variation.scaled(by: 0.75) + error.scaled(by: 0.25)
        smoothed = current.scaled(by: 0.875) + sample.scaled(by: 0.125)
    }

    /// SRTT + 4·RTTVAR clamped to `[minimum, maximum]`, or `initial` before any sample.
    public func timeout(minimum: Duration, maximum: Duration, initial: Duration) -> Duration {
        guard let smoothed else { return initial }
        return min(max(smoothed + variation * 4, minimum), maximum)
    }
}
