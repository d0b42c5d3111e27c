import LashupCluster

/// One overlay as an operator lists it (`lashup overlay list`, `GET /v1/overlays`).
public struct OverlayListing: Sendable {
    public var settings: OverlaySettings
    public var mtu: UInt32
    /// This host: `settled`, `claimed` or `waiting`, and what it waits for.
    public var state: String
    public var waitingFor: String?
    public var slot: Int?
    public var attachments: Int
    public var hosts: [Host]

    /// One claim in the store, resolved.
    public struct Host: Sendable {
        public var claim: OverlayClaim
        /// It holds its slot (`ClaimResolution`); false: it lost a conflict or was released.
        public var holds: Bool
        public var released: Bool
        public var reachable: Bool
    }
}

extension Overlays {
    public func listing() async -> [OverlayListing] {
        var result: [OverlayListing] = []
        let reachable = Dictionary(members.map { ($0.name, $0.reachable || $0.isSelf) }, uniquingKeysWith: { first, _ in first })
        for overlay in settings {
            guard let allocation = allocations[overlay.name] else { continue }
            let claims = await allocation.claims
            let releases = await allocation.releases
            let valid = ClaimResolution.valid(claims, releases: releases, capacity: overlay.capacity)
            let holders = ClaimResolution.holders(valid)
            let allocator = await allocation.allocator
            var state = "waiting"
            var waitingFor: String?
            switch allocator.status {
            case let .waiting(reason): waitingFor = reason
            case let .claimed(_, reason): (state, waitingFor) = ("claimed", reason)
            case .settled: state = "settled"
            }
            let attached = (try? await attachments.attachments(overlay: overlay.name).count) ?? 0
            result.append(OverlayListing(
                settings: overlay, mtu: overlay.mtu ?? mtu, state: state, waitingFor: waitingFor, slot: allocator.claim?.slot, attachments: attached,
                hosts: claims.values.sorted { ($0.slot, $0.node) < ($1.slot, $1.node) }.map { claim in
                    OverlayListing.Host(claim: claim, holds: holders[claim.slot] == claim, released: valid[claim.node] == nil,
                                        reachable: reachable[claim.node] ?? false)
                }))
        }
        return result
    }

    /// Releases `node`'s current claim in `overlay` (an operator decommissioning a dead host):
    /// its slot is free for others, and the node, if it returns, gives it up. The claim
    /// released is returned.
    public func release(node: String, overlay: String) async throws(OverlayReleaseError) -> OverlayClaim {
        guard let allocation = allocations[overlay] else {
            throw OverlayReleaseError("overlay \"\(overlay)\" is not configured on this agent (configured: \(settings.map(\.name).joined(separator: ", ")))")
        }
        guard let claim = await allocation.claims[node] else { throw OverlayReleaseError("overlay \(overlay): \(node) holds no claim") }
        let now = Self.wallClock()
        do {
            try await OverlayAllocation.write(OverlayRelease(node: node, claimedAt: claim.claimedAt, releasedAt: now, releasedBy: "operator"),
                                              overlay: overlay, cluster: cluster, timestamp: now)
        } catch {
            throw OverlayReleaseError("overlay \(overlay): the release of \(node) was not made durable: \(error)")
        }
        requestStep()
        return claim
    }
}

/// Why a release could not be made.
public struct OverlayReleaseError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
