/// One host's allocation of its slot in one overlay, without I/O: the shell feeds it what the
/// store and the failure detector say, with the time, and carries out the writes it returns.
///
/// - A host's preferred slot comes from a hash of its name (its stable identity, not its IP),
///   so a host that lost everything asks for the same slot again; taken slots are probed past.
/// - A claim settles only when, for a quiet period, no competing claim was seen, the claim
///   was in this host's store, and every member that could hold a competing claim was
///   reachable (a member unreachable past `Timing.unreachableIgnoredAfter` no longer blocks).
///   A partition therefore delays new hosts instead of giving one subnet to two of them.
/// - A claim that loses (`ClaimResolution`) or is released is given up and a new one made.
/// - A host that restarts adopts its claim from the store (after a wiped disk, once peers
///   have given it back: it waits for the store to sync before claiming anew).
/// - A host given contacts claims and settles only while it reaches another member. A group
///   of hosts that all lost their disks and reach no host that remembers the cluster cannot
///   be told from a new cluster; that is the one case this cannot protect.
/// - A claim whose owner has been unreachable or unknown past `Timing.reclaimAfter` is
///   released (never, when that is nil), so its slot can be reused and the owner, if it ever
///   returns, gives it up.
public struct OverlayAllocator: Sendable {
    /// The periods the allocator waits; defaults are the agent's.
    public struct Timing: Sendable, Equatable {
        /// How long a claim must go uncontested, with the cluster whole, before it settles.
        public var quietPeriod: Duration
        /// How long after first reaching another member a host without a claim of its own
        /// waits for the store to give its old claim back before claiming anew.
        public var syncDelay: Duration
        /// How long a host that reaches nobody waits before claiming anyway (the first host).
        public var aloneDelay: Duration
        /// An unreachable member stops blocking settlement after this long; nil: never.
        public var unreachableIgnoredAfter: Duration?
        /// A claim whose owner is unreachable this long is released; nil: never.
        public var reclaimAfter: Duration?

        public init(quietPeriod: Duration = .milliseconds(2_500), syncDelay: Duration = .seconds(1), aloneDelay: Duration = .seconds(10),
                    unreachableIgnoredAfter: Duration? = .seconds(600), reclaimAfter: Duration? = .seconds(86_400)) {
            self.quietPeriod = quietPeriod
            self.syncDelay = syncDelay
            self.aloneDelay = aloneDelay
            self.unreachableIgnoredAfter = unreachableIgnoredAfter
            self.reclaimAfter = reclaimAfter
        }
    }

    /// What the allocator is told each step.
    public struct View: Sendable {
        /// Every claim and release of the overlay in this host's store, by node.
        public var claims: [String: OverlayClaim]
        public var releases: [String: OverlayRelease]
        /// Every known member but this host.
        public var members: [Member]
        /// This host's underlay address; nil while it is unknown (nothing can be claimed).
        public var agentIP: String?

        public init(claims: [String: OverlayClaim] = [:], releases: [String: OverlayRelease] = [:], members: [Member] = [], agentIP: String?) {
            self.claims = claims
            self.releases = releases
            self.members = members
            self.agentIP = agentIP
        }
    }

    /// Another member as the failure detector sees it.
    public struct Member: Sendable, Equatable {
        public var name: String
        public var reachable: Bool
        public var leaving: Bool

        public init(name: String, reachable: Bool, leaving: Bool = false) {
            self.name = name
            self.reachable = reachable
            self.leaving = leaving
        }
    }

    /// What the shell must do or report.
    public enum Action: Sendable, Equatable {
        /// Write this host's claim (new, settled, or with a new agent IP).
        case writeClaim(OverlayClaim)
        /// Write a release of another node's claim.
        case writeRelease(OverlayRelease)
        /// This host's claim settled: its subnet may be routed and handed out.
        case settled(OverlayClaim)
        /// This host's claim was given up; `reason` says to whom or why.
        case lost(OverlayClaim, reason: String)
    }

    /// Where this host stands.
    public enum Status: Sendable, Equatable {
        case waiting(String)
        case claimed(OverlayClaim, waitingFor: String)
        case settled(OverlayClaim)
    }

    /// Counters for metrics.
    public struct Counters: Sendable, Equatable {
        public var claimsMade = 0
        /// Competing claims of this host's slot seen (each once).
        public var conflictsSeen = 0
        /// Conflicts this host lost and resolved by moving to another slot.
        public var conflictsLost = 0
        /// Claims of this host released (by an operator or the reclaim grace).
        public var released = 0
        public var releasesWritten = 0
        /// Steps that found no free slot.
        public var fullSteps = 0
    }

    public let me: String
    public let capacity: Int
    public let timing: Timing
    /// This host was told to join others (`--join`): it never claims or settles without
    /// reaching one. Only a host started without contacts (a cluster's first) may claim
    /// alone; a host that lost its disk and cannot reach its cluster must not take a subnet
    /// that a host it cannot see may hold.
    public let expectsPeers: Bool
    public private(set) var claim: OverlayClaim?
    public private(set) var status: Status = .waiting("starting")
    public private(set) var counters = Counters()
    var startedAt: Duration?
    var firstReachedAt: Duration?
    var quietSince: Duration?
    var lastClaimedAt: UInt64 = 0
    var unreachableSince: [String: Duration] = [:]
    var competitorsSeen: Set<CompetitorID> = []
    var releasesSent: Set<CompetitorID> = []

    struct CompetitorID: Hashable { let node: String; let claimedAt: UInt64 }

    public init(me: String, capacity: Int, timing: Timing = Timing(), expectsPeers: Bool = false) {
        self.me = me
        self.capacity = capacity
        self.timing = timing
        self.expectsPeers = expectsPeers
    }

    /// This host's claim once settled: the only one it may route or hand out.
    public var settledClaim: OverlayClaim? { claim.flatMap { $0.isSettled ? $0 : nil } }

    /// The slot a host prefers: a hash of its name (Swift's `Hasher` is seeded per process).
    public static func preferredSlot(of node: String, capacity: Int) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in node.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        // FNV's low bits follow the last byte's (node-0 … node-7 would get slots 0 … 7 of 8
        // in order); a SplitMix64 finaliser spreads every input bit over the result.
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 31
        return Int(hash % UInt64(max(1, capacity)))
    }

    /// One step: `monotonic` measures periods, `wallClock` (ns since the Unix epoch) stamps claims.
    public mutating func step(_ view: View, monotonic: Duration, wallClock: UInt64) -> [Action] {
        var actions: [Action] = []
        if startedAt == nil { startedAt = monotonic }
        track(view, now: monotonic)
        let valid = ClaimResolution.valid(view.claims, releases: view.releases, capacity: capacity)

        if claim == nil, let stored = view.claims[me], stored.claimedAt > lastClaimedAt {
            if valid[me] != nil {
                claim = stored  // a restart, or a wiped disk given back by peers
                lastClaimedAt = stored.claimedAt
                if stored.isSettled { actions.append(.settled(stored)) }
            } else {
                lastClaimedAt = stored.claimedAt  // released while it was away: claim anew
                counters.released += 1
                actions.append(.lost(stored, reason: "released by \(view.releases[me].map { $0.releasedBy.isEmpty ? "an operator" : $0.releasedBy } ?? "capacity")"))
            }
        }
        if let current = claim, let release = view.releases[me], release.claimedAt >= current.claimedAt {
            counters.released += 1
            actions.append(.lost(current, reason: "released by \(release.releasedBy.isEmpty ? "an operator" : release.releasedBy)"))
            claim = nil
        }
        var competitors: [OverlayClaim] = []
        if let current = claim {
            competitors = valid.values.filter { $0.node != me && $0.slot == current.slot }.sorted { ClaimResolution.beats($0, $1) }
            for competitor in competitors where competitorsSeen.insert(CompetitorID(node: competitor.node, claimedAt: competitor.claimedAt)).inserted {
                counters.conflictsSeen += 1
            }
            if let winner = competitors.first, ClaimResolution.beats(winner, current) {
                counters.conflictsLost += 1
                actions.append(.lost(current, reason: "\(winner.node) holds slot \(current.slot) (its claim wins)"))
                claim = nil
                competitors = []
            }
        }
        if var current = claim, let address = view.agentIP, current.agentIP != address {
            current.agentIP = address
            claim = current
            actions.append(.writeClaim(current))
        }
        if claim == nil {
            switch newClaim(view, valid: valid, now: monotonic, wallClock: wallClock) {
            case let .success(new):
                claim = new
                actions.append(.writeClaim(new))
            case let .failure(waiting):
                status = .waiting(waiting.reason)
            }
        }
        if var current = claim {
            if current.isSettled {
                status = .settled(current)
            } else if let reason = settleBlocker(view, current: current, competitors: competitors, now: monotonic) {
                quietSince = nil
                status = .claimed(current, waitingFor: reason)
            } else if let since = quietSince, monotonic - since >= timing.quietPeriod {
                current.settledAt = max(wallClock, current.claimedAt)
                claim = current
                status = .settled(current)
                actions.append(.writeClaim(current))
                actions.append(.settled(current))
            } else {
                if quietSince == nil { quietSince = monotonic }
                status = .claimed(current, waitingFor: "the quiet period")
            }
        }
        return actions + reclaims(view, valid: valid, now: monotonic, wallClock: wallClock)
    }

    /// Why this host cannot claim now.
    struct Waiting: Error { let reason: String }

    /// A new claim of the first free slot, or why none can be made now.
    mutating func newClaim(_ view: View, valid: [String: OverlayClaim], now: Duration, wallClock: UInt64) -> Result<OverlayClaim, Waiting> {
        guard let address = view.agentIP else { return .failure(Waiting(reason: "this host's underlay address is not known yet")) }
        if let reason = syncWait(view, now: now) { return .failure(Waiting(reason: reason)) }
        guard let slot = freeSlot(valid) else {
            counters.fullSteps += 1
            return .failure(Waiting(reason: "the overlay is full: all \(capacity) slots are held (release a node with `lashup overlay release NODE`)"))
        }
        lastClaimedAt = max(wallClock, lastClaimedAt + 1)
        counters.claimsMade += 1
        quietSince = nil
        return .success(OverlayClaim(node: me, slot: slot, claimedAt: lastClaimedAt, agentIP: address))
    }

    /// Why this host may not claim yet, or nil: it waits for the store to give back a claim of
    /// its own (a wiped disk) once it reaches another member, or alone for `aloneDelay`.
    func syncWait(_ view: View, now: Duration) -> String? {
        if let reached = firstReachedAt {
            return now - reached >= timing.syncDelay ? nil : "waiting for the store to sync before claiming"
        }
        guard !expectsPeers, let started = startedAt, now - started >= timing.aloneDelay else {
            return "waiting to reach another member before claiming"
        }
        return nil
    }

    /// Why the claim cannot settle now, or nil.
    func settleBlocker(_ view: View, current: OverlayClaim, competitors: [OverlayClaim], now: Duration) -> String? {
        guard view.claims[me]?.claimedAt == current.claimedAt else { return "the claim to reach the store" }
        if let competitor = competitors.first { return "\(competitor.node)'s competing claim to go" }
        if expectsPeers, !view.members.contains(where: \.reachable) { return "another member to be reachable (this host was given contacts)" }
        let blocking = view.members.filter { member in
            guard !member.reachable, !member.leaving else { return false }
            if let release = view.releases[member.name], view.claims[member.name].map({ release.claimedAt >= $0.claimedAt }) ?? true { return false }
            guard let limit = timing.unreachableIgnoredAfter, let since = unreachableSince[member.name] else { return true }
            return now - since < limit
        }
        if !blocking.isEmpty {
            return "the cluster to be whole (unreachable: \(blocking.prefix(3).map(\.name).joined(separator: ", "))\(blocking.count > 3 ? ", …" : ""))"
        }
        return nil
    }

    /// The first free slot from this host's preferred one on.
    func freeSlot(_ valid: [String: OverlayClaim]) -> Int? {
        guard capacity > 0 else { return nil }
        let taken = Set(valid.values.lazy.filter { $0.node != self.me }.map(\.slot))
        guard taken.count < capacity else { return nil }
        let start = Self.preferredSlot(of: me, capacity: capacity)
        for offset in 0..<capacity where !taken.contains((start + offset) % capacity) {
            return (start + offset) % capacity
        }
        return nil
    }

    /// Follows who is unreachable (or unknown) since when.
    mutating func track(_ view: View, now: Duration) {
        var seen = Set<String>()
        for member in view.members {
            seen.insert(member.name)
            if member.reachable {
                unreachableSince[member.name] = nil
                if firstReachedAt == nil { firstReachedAt = now }
            } else if unreachableSince[member.name] == nil {
                unreachableSince[member.name] = now
            }
        }
        for node in view.claims.keys where node != me && !seen.contains(node) && unreachableSince[node] == nil {
            unreachableSince[node] = now
        }
        // Bounded by the members and claims this step saw.
        unreachableSince = unreachableSince.filter { seen.contains($0.key) || view.claims[$0.key] != nil }
    }

    /// Releases of claims whose owners have been away past the reclaim grace.
    mutating func reclaims(_ view: View, valid: [String: OverlayClaim], now: Duration, wallClock: UInt64) -> [Action] {
        // Bounded by the claims in the store: what is no longer there is forgotten.
        competitorsSeen = competitorsSeen.filter { view.claims[$0.node]?.claimedAt == $0.claimedAt }
        releasesSent = releasesSent.filter { view.claims[$0.node]?.claimedAt == $0.claimedAt }
        guard let grace = timing.reclaimAfter else { return [] }
        var actions: [Action] = []
        for claim in valid.values.sorted(by: { $0.node < $1.node }) where claim.node != me {
            guard let since = unreachableSince[claim.node], now - since >= grace,
                  releasesSent.insert(CompetitorID(node: claim.node, claimedAt: claim.claimedAt)).inserted
            else { continue }
            counters.releasesWritten += 1
            actions.append(.writeRelease(OverlayRelease(node: claim.node, claimedAt: claim.claimedAt, releasedAt: wallClock, releasedBy: me)))
        }
        return actions
    }
}
