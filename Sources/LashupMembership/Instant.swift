/// A point in time, in nanoseconds since an epoch the shell chooses (process start for the
/// runtime, zero for the simulator). Protocol cores never read a clock: they receive `now`.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds + rhs.nanosecondsValue)
    }

    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds - rhs.nanoseconds)
    }

    public var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
    public var description: String { "\(nanoseconds / 1_000_000)ms" }
}

extension Duration {
    /// Whole nanoseconds, saturating (durations used here are far below the limit).
    public var nanosecondsValue: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The duration in (fractional) milliseconds, for reports.
    public var inMilliseconds: Double { Double(nanosecondsValue) / 1_000_000 }

    /// Scales by a real factor, to nanosecond precision.
    public func scaled(by factor: Double) -> Duration {
        .nanoseconds(Int64((Double(nanosecondsValue) * factor).rounded()))
    }
}
