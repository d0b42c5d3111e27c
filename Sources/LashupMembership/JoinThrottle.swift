/// A token bucket limiting how many joins a node accepts as a contact, so a thousand nodes
/// booting at once spread over the cluster instead of piling onto three contacts.
struct JoinThrottle: Sendable {
    let ratePerSecond: Double
    private var tokens: Double
    private var refilledAt: Instant?

    init(ratePerSecond: Double) {
        self.ratePerSecond = ratePerSecond
        tokens = ratePerSecond
    }

    /// Takes one token if available.
    mutating func admit(now: Instant) -> Bool {
        if let refilledAt {
            let elapsed = Double((now - refilledAt).nanosecondsValue) / 1e9
            tokens = min(ratePerSecond, tokens + elapsed * ratePerSecond)
        }
        refilledAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
