import LashupMembership
import NIOCore

/// The node's monotonic time: nanoseconds since the agent started, as the core's `Instant`.
public struct RuntimeClock: Sendable {
    let origin = NIODeadline.now()

    public init() {}

    public func now() -> Instant {
        Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds - origin.uptimeNanoseconds))
    }

    /// The NIO deadline of a core instant, for scheduling its timers.
    public func deadline(_ instant: Instant) -> NIODeadline {
        origin + .nanoseconds(max(0, instant.nanoseconds))
    }
}
