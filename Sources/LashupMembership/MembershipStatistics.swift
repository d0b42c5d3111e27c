/// Counters a node keeps about itself, for metrics and simulations.
public struct MembershipStatistics: Sendable, Equatable {
    public var messagesSent = 0
    public var pingsSent = 0
    public var indirectProbesSent = 0
    public var evictionsFailed = 0
    public var linksDroppedBroken = 0
    public var joinsAccepted = 0
    public var joinsDenied = 0
    public var neighborRequestsSent = 0
    public var neighborRequestsRejected = 0
    public var relaysRefused = 0
    public var lateTimers = 0
    public var staleTimers = 0

    public init() {}
}
