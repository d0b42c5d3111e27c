import LashupMembership

/// Tells the operator when a node meant to join a cluster has had no neighbours for a while,
/// once per episode, and when it has neighbours again. A node started without contacts is
/// alone by design and is not reported.
struct AloneReport {
    /// How long without a neighbour before it is reported.
    static let threshold = Duration.seconds(30)

    private var aloneSince: Instant?
    private var reported = false

    enum Change: Equatable {
        case alone(for: Duration)
        case joined(afterAlone: Duration)
    }

    /// Observes the node after a step; returns what to log, if anything.
    mutating func observe(hasNeighbours: Bool, hasContacts: Bool, now: Instant) -> Change? {
        if hasNeighbours {
            defer { aloneSince = nil; reported = false }
            if reported, let since = aloneSince { return .joined(afterAlone: now - since) }
            return nil
        }
        guard hasContacts else { return nil }
        let since = aloneSince ?? now
        aloneSince = since
        guard !reported, now - since >= Self.threshold else { return nil }
        reported = true
        return .alone(for: now - since)
    }
}
