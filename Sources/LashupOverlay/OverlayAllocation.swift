import LashupCRDT
import LashupCluster
import LashupStore

/// The allocator with its I/O: reads an overlay's claims and releases from the store, steps
/// `OverlayAllocator`, and writes what it returns. The agent's service steps it on every
/// change and on a ticker; tests step it directly against an `InMemoryCluster`.
public actor OverlayAllocation {
    public let settings: OverlaySettings
    let cluster: any Cluster
    public private(set) var allocator: OverlayAllocator
    /// The claims and releases read at the last step, by node.
    public private(set) var claims: [String: OverlayClaim] = [:]
    public private(set) var releases: [String: OverlayRelease] = [:]
    /// Writes that failed (the node is stopping or refused them); retried at the next step.
    public private(set) var failedWrites = 0
    /// The most keys (claims and releases) a full read lists; the overlay's capacity is far
    /// below it (4 094 by default), so only a hostile writer could reach it.
    public static let maximumClaims = 16_384

    /// - Parameter expectsPeers: this host was given contacts (see `OverlayAllocator.expectsPeers`).
    public init(settings: OverlaySettings, me: String, cluster: any Cluster, timing: OverlayAllocator.Timing = .init(), expectsPeers: Bool = false) {
        self.settings = settings
        self.cluster = cluster
        allocator = OverlayAllocator(me: me, capacity: settings.capacity, timing: timing, expectsPeers: expectsPeers)
    }

    /// Reads the overlay's keys, steps the allocator with `members` (another node's snapshot
    /// entries; this host's own is skipped) and writes its claims and releases.
    ///
    /// - Parameter read: read every key of the overlay first; false when `apply` keeps the
    ///   claims current from a change feed (the agent: a step then costs no store reads).
    @discardableResult
    public func step(members: [MemberSnapshot], agentIP: String?, monotonic: Duration, wallClock: UInt64, read: Bool = true) async -> [OverlayAllocator.Action] {
        if read { await self.read() }
        let me = allocator.me
        let view = OverlayAllocator.View(
            claims: claims, releases: releases,
            members: members.filter { !$0.isSelf && $0.name != me }.map { OverlayAllocator.Member(name: $0.name, reachable: $0.reachable, leaving: $0.leaving) },
            agentIP: agentIP)
        var allocator = self.allocator
        let actions = allocator.step(view, monotonic: monotonic, wallClock: wallClock)
        self.allocator = allocator
        for action in actions {
            do {
                switch action {
                case let .writeClaim(claim):
                    let key = try OverlayStoreKeys.claimKey(overlay: settings.name, node: claim.node)
                    _ = try await cluster.update(key, OverlayStoreKeys.operations(claim, settings: settings, timestamp: wallClock))
                    claims[claim.node] = claim
                case let .writeRelease(release):
                    try await Self.write(release, overlay: settings.name, cluster: cluster, timestamp: wallClock)
                    releases[release.node] = release
                case .settled, .lost:
                    break
                }
            } catch {
                failedWrites += 1
            }
        }
        return actions
    }

    /// Writes a release (the CLI's `overlay release`, and the reclaim grace).
    public static func write(_ release: OverlayRelease, overlay: String, cluster: any Cluster, timestamp: UInt64) async throws(ClusterError) {
        let key = try OverlayStoreKeys.releaseKey(overlay: overlay, node: release.node)
        _ = try await cluster.update(key, OverlayStoreKeys.operations(release, timestamp: timestamp))
    }

    /// Applies a change feed's batch: the claims and releases it carries replace what was
    /// known of them (a resynchronised batch replaces everything).
    public func apply(_ changes: [KeyChange], resynchronised: Bool) {
        if resynchronised {
            claims.removeAll()
            releases.removeAll()
        }
        for change in changes {
            guard let (overlay, kind, node) = OverlayStoreKeys.parse(change.key), overlay == settings.name else { continue }
            switch kind {
            case .claim: claims[node] = OverlayStoreKeys.claim(node: node, change.value)
            case .release: releases[node] = OverlayStoreKeys.release(node: node, change.value)
            }
        }
    }

    /// Reads every claim and release of the overlay.
    func read() async {
        let (claims, releases) = await Self.read(overlay: settings.name, cluster: cluster)
        self.claims = claims
        self.releases = releases
    }

    /// Every claim and release of `overlay` in `cluster`'s store, by node.
    public static func read(overlay: String, cluster: any Cluster) async -> (claims: [String: OverlayClaim], releases: [String: OverlayRelease]) {
        var claims: [String: OverlayClaim] = [:]
        var releases: [String: OverlayRelease] = [:]
        guard let pattern = try? KeyPattern(["overlay", overlay]) else { return ([:], [:]) }
        let listing = await cluster.keys(matching: pattern, limit: maximumClaims * 2)
        for key in listing.keys {
            guard let (_, kind, node) = OverlayStoreKeys.parse(key) else { continue }
            let value = await cluster.value(key)
            switch kind {
            case .claim: claims[node] = OverlayStoreKeys.claim(node: node, value)
            case .release: releases[node] = OverlayStoreKeys.release(node: node, value)
            }
        }
        return (claims, releases)
    }

    /// The settled holders other hosts route to (this host included).
    public var settledHolders: [String: OverlayClaim] {
        ClaimResolution.settledHolders(claims, releases: releases, capacity: settings.capacity)
    }
}
