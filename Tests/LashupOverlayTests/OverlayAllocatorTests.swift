import LashupOverlay
import Testing

@Suite("Overlay allocator: claims, settles, yields, waits")
struct OverlayAllocatorTests {
    static let timing = OverlayAllocator.Timing(quietPeriod: .seconds(3), syncDelay: .seconds(2), aloneDelay: .seconds(10),
                                                unreachableIgnoredAfter: .seconds(600), reclaimAfter: .seconds(3600))

    /// Steps `allocator` every 500 ms for `seconds`, its own claims written to `claims` at once.
    static func run(_ allocator: inout OverlayAllocator, claims: inout [String: OverlayClaim], members: [OverlayAllocator.Member],
                    from start: Duration, seconds: Int, releases: [String: OverlayRelease] = [:]) -> [OverlayAllocator.Action] {
        var all: [OverlayAllocator.Action] = []
        var now = start
        while now < start + .seconds(seconds) {
            let actions = allocator.step(.init(claims: claims, releases: releases, members: members, agentIP: "10.0.0.9"),
                                         monotonic: now, wallClock: UInt64((now - .zero).components.seconds) * 1_000_000_000 + 1)
            for case let .writeClaim(claim) in actions { claims[claim.node] = claim }
            all += actions
            now += .milliseconds(500)
        }
        return all
    }

    @Test("a host with peers claims its preferred slot after the sync delay and settles after the quiet period")
    func claimsAndSettles() {
        var allocator = OverlayAllocator(me: "h1", capacity: 4094, timing: Self.timing)
        var claims: [String: OverlayClaim] = [:]
        let actions = Self.run(&allocator, claims: &claims, members: [.init(name: "h2", reachable: true)], from: .zero, seconds: 10)
        let claim = try! #require(allocator.settledClaim)
        #expect(claim.slot == OverlayAllocator.preferredSlot(of: "h1", capacity: 4094))
        #expect(actions.contains(.settled(claim)))
        #expect(allocator.counters.claimsMade == 1)
    }

    @Test("an unreachable member blocks settling; it settles once the cluster is whole")
    func partitionBlocksSettling() {
        var allocator = OverlayAllocator(me: "h1", capacity: 4094, timing: Self.timing)
        var claims: [String: OverlayClaim] = [:]
        let split: [OverlayAllocator.Member] = [.init(name: "h2", reachable: true), .init(name: "h3", reachable: false)]
        _ = Self.run(&allocator, claims: &claims, members: split, from: .zero, seconds: 60)
        #expect(allocator.claim != nil)
        #expect(allocator.settledClaim == nil)
        if case let .claimed(_, waitingFor) = allocator.status { #expect(waitingFor.contains("h3")) } else { Issue.record("status \(allocator.status)") }
        _ = Self.run(&allocator, claims: &claims, members: [.init(name: "h2", reachable: true), .init(name: "h3", reachable: true)], from: .seconds(60), seconds: 5)
        #expect(allocator.settledClaim != nil)
    }

    @Test("a host whose claim loses to an older one moves to another slot; the older keeps it")
    func loserMoves() {
        var allocator = OverlayAllocator(me: "h1", capacity: 4094, timing: Self.timing)
        var claims: [String: OverlayClaim] = [:]
        _ = Self.run(&allocator, claims: &claims, members: [.init(name: "h2", reachable: true)], from: .zero, seconds: 3)
        let mine = try! #require(allocator.claim)
        #expect(!mine.isSettled)
        claims["h2"] = OverlayClaim(node: "h2", slot: mine.slot, claimedAt: mine.claimedAt - 1, agentIP: "10.0.0.2")
        let actions = Self.run(&allocator, claims: &claims, members: [.init(name: "h2", reachable: true)], from: .seconds(3), seconds: 10)
        #expect(actions.contains { if case .lost = $0 { true } else { false } })
        let settled = try! #require(allocator.settledClaim)
        #expect(settled.slot != mine.slot)
        #expect(allocator.counters.conflictsLost == 1)
    }

    @Test("a restarted host adopts its settled claim from the store at once")
    func adoptsOnRestart() {
        let stored = OverlayClaim(node: "h1", slot: 7, claimedAt: 5, settledAt: 6, agentIP: "10.0.0.9")
        var allocator = OverlayAllocator(me: "h1", capacity: 4094, timing: Self.timing)
        var claims = ["h1": stored]
        let actions = Self.run(&allocator, claims: &claims, members: [], from: .zero, seconds: 1)
        #expect(allocator.settledClaim == stored)
        #expect(actions.contains(.settled(stored)))
        #expect(!actions.contains { if case .writeClaim = $0 { true } else { false } })
    }

    @Test("a released host gives its slot up and claims anew; a full overlay is reported, not crashed into")
    func releasedAndFull() {
        let stored = OverlayClaim(node: "h1", slot: 0, claimedAt: 5, settledAt: 6, agentIP: "10.0.0.9")
        var allocator = OverlayAllocator(me: "h1", capacity: 2, timing: Self.timing)
        var claims = ["h1": stored, "h2": OverlayClaim(node: "h2", slot: 1, claimedAt: 4, settledAt: 6, agentIP: "10.0.0.2")]
        let release = OverlayRelease(node: "h1", claimedAt: 5, releasedAt: 8, releasedBy: "operator")
        let actions = Self.run(&allocator, claims: &claims, members: [.init(name: "h2", reachable: true)], from: .zero, seconds: 10, releases: ["h1": release])
        #expect(actions.contains(.lost(stored, reason: "released by operator")))
        let again = try! #require(allocator.settledClaim)
        #expect(again.slot == 0 && again.claimedAt > 5)

        var crowded = OverlayAllocator(me: "h3", capacity: 2, timing: Self.timing)
        _ = Self.run(&crowded, claims: &claims, members: [.init(name: "h1", reachable: true), .init(name: "h2", reachable: true)], from: .zero, seconds: 5,
                     releases: ["h1": release])
        #expect(crowded.claim == nil)
        if case let .waiting(reason) = crowded.status { #expect(reason.contains("full")) } else { Issue.record("status \(crowded.status)") }
        #expect(crowded.counters.fullSteps > 0)
    }

    @Test("a claim whose owner is away past the reclaim grace is released once")
    func reclaimsAfterGrace() {
        var allocator = OverlayAllocator(me: "h1", capacity: 4094, timing: Self.timing)
        var claims = ["h2": OverlayClaim(node: "h2", slot: 3, claimedAt: 1, settledAt: 2, agentIP: "10.0.0.2")]
        let actions = Self.run(&allocator, claims: &claims, members: [.init(name: "h2", reachable: false)], from: .zero, seconds: 3700)
        let releases = actions.compactMap { if case let .writeRelease(release) = $0 { release } else { nil } }
        #expect(releases.count == 1)
        #expect(releases.first?.node == "h2" && releases.first?.claimedAt == 1)
    }
}

@Suite("Overlay allocator: a host given contacts")
struct ContactsAllocatorTests {
    @Test("a host given contacts that reaches nobody never claims (no alone delay), and a claim made stops settling when nobody is reachable")
    func waitsForPeers() {
        var allocator = OverlayAllocator(me: "h1", capacity: 4094, timing: OverlayAllocatorTests.timing, expectsPeers: true)
        var claims: [String: OverlayClaim] = [:]
        _ = OverlayAllocatorTests.run(&allocator, claims: &claims, members: [], from: .zero, seconds: 60)
        #expect(allocator.claim == nil)
        if case let .waiting(reason) = allocator.status { #expect(reason.contains("reach another member")) } else { Issue.record("status \(allocator.status)") }
        // The sync delay (2 s) passes, the quiet period (3 s) does not.
        _ = OverlayAllocatorTests.run(&allocator, claims: &claims, members: [.init(name: "h2", reachable: true)], from: .seconds(60), seconds: 3)
        #expect(allocator.claim != nil && allocator.settledClaim == nil)
        _ = OverlayAllocatorTests.run(&allocator, claims: &claims, members: [], from: .seconds(63), seconds: 30)
        #expect(allocator.settledClaim == nil, "alone, it does not settle")
        var first = OverlayAllocator(me: "h0", capacity: 4094, timing: OverlayAllocatorTests.timing)
        var own: [String: OverlayClaim] = [:]
        _ = OverlayAllocatorTests.run(&first, claims: &own, members: [], from: .zero, seconds: 20)
        #expect(first.settledClaim != nil, "a host without contacts (a cluster's first) claims alone after the alone delay")
    }
}
