/// An active neighbour and the failure detector's state for it.
struct Neighbor: Sendable {
    /// One probe in progress: a direct ping, then (after its timeout) indirect probes.
    struct Probe: Sendable {
        enum Phase: Sendable { case direct, indirect }
        var sequence: UInt64
        var sentAt: Instant
        var phase: Phase
        var timer: TimerID
        /// Ping-req results received this round (alive or not): silence from every helper
        /// suggests this node, not the target, is cut off.
        var helperAnswers = 0
        /// Helpers asked this round.
        var helpersAsked = 0
    }

    var peer: Peer
    var rtt = RTTEstimator()
    var pingTimer: TimerID?
    var probe: Probe?
    /// Probe rounds in a row with no sign of life at all.
    var missedRounds = 0
    /// Direct pings in a row that went unanswered (even if indirect probes succeeded).
    var directMisses = 0
    /// When it last answered a request of ours (a pong, or a ping-req result as a helper):
    /// a round trip through our own links, so proof that this node is not the one cut off.
    var lastAnswered: Instant?

    init(peer: Peer) { self.peer = peer }
}

/// A neighbour request in flight.
struct PendingNeighborRequest: Sendable {
    var peer: Peer
    var priority: NeighborPriority
    var timer: TimerID
}

/// A ping-req this node is relaying for another.
struct Relay: Sendable {
    var requester: Peer
    var target: NodeID
    var requesterSequence: UInt64
    var timer: TimerID
}
