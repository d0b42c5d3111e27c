/// Which claim holds each slot: a pure function of the claims and releases, so every host
/// that has seen the same store picks the same holder, and the same loser, without talking.
///
/// A claim counts unless its node's release covers it (released at or after it was made) or
/// its slot is beyond the overlay's capacity. Among the claims of one slot the holder is:
/// a settled claim before an unsettled one (a subnet in use is never taken by a newcomer),
/// then the older claim, then the smaller node name.
public enum ClaimResolution {
    /// The claims that count, by node.
    public static func valid(_ claims: [String: OverlayClaim], releases: [String: OverlayRelease], capacity: Int) -> [String: OverlayClaim] {
        claims.filter { node, claim in
            claim.slot < capacity && !(releases[node].map { $0.claimedAt >= claim.claimedAt } ?? false)
        }
    }

    /// Whether `a` holds a slot against `b`.
    public static func beats(_ a: OverlayClaim, _ b: OverlayClaim) -> Bool {
        if a.isSettled != b.isSettled { return a.isSettled }
        if a.claimedAt != b.claimedAt { return a.claimedAt < b.claimedAt }
        return a.node < b.node
    }

    /// The holder of every claimed slot among `valid` claims.
    public static func holders(_ valid: [String: OverlayClaim]) -> [Int: OverlayClaim] {
        var result: [Int: OverlayClaim] = [:]
        for claim in valid.values {
            if let holder = result[claim.slot], beats(holder, claim) { continue }
            result[claim.slot] = claim
        }
        return result
    }

    /// The settled holders: the hosts every other host routes to, by node.
    public static func settledHolders(_ claims: [String: OverlayClaim], releases: [String: OverlayRelease], capacity: Int) -> [String: OverlayClaim] {
        var result: [String: OverlayClaim] = [:]
        for claim in holders(valid(claims, releases: releases, capacity: capacity)).values where claim.isSettled {
            result[claim.node] = claim
        }
        return result
    }
}
