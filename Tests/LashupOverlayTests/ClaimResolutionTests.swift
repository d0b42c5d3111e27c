import LashupOverlay
import LashupTestSupport
import PropertyBased
import Testing

@Suite("Claim resolution: the same holder of every slot on every host", .onDedicatedThread)
struct ClaimResolutionTests {
    static func claim(_ node: String, slot: Int, at: UInt64, settled: UInt64 = 0) -> OverlayClaim {
        OverlayClaim(node: node, slot: slot, claimedAt: at, settledAt: settled, agentIP: "10.0.0.1")
    }

    @Test("settled beats unsettled, then the older claim, then the smaller name")
    func ranking() {
        let old = Self.claim("b", slot: 1, at: 10)
        let newSettled = Self.claim("c", slot: 1, at: 20, settled: 25)
        #expect(ClaimResolution.beats(newSettled, old))
        #expect(ClaimResolution.beats(old, Self.claim("a", slot: 1, at: 11)))
        #expect(ClaimResolution.beats(Self.claim("a", slot: 1, at: 10), old))
    }

    @Test("the holders do not depend on the order claims were read in")
    func orderIndependent() async {
        let gen = Gen.int(in: 0...3).array(of: 3...3).array(of: 1...12)
        await propertyCheck(count: 300, input: gen) { rows in
            var claims: [String: OverlayClaim] = [:]
            for (index, row) in rows.enumerated() {
                claims["node-\(index)"] = Self.claim("node-\(index)", slot: row[0], at: UInt64(row[1] + 1), settled: row[2] > 1 ? UInt64(row[2]) : 0)
            }
            let holders = ClaimResolution.holders(claims)
            let shuffled = Dictionary(uniqueKeysWithValues: claims.shuffled())
            #expect(ClaimResolution.holders(shuffled) == holders)
            for (slot, holder) in holders {
                #expect(holder.slot == slot)
                for other in claims.values where other.slot == slot && other != holder {
                    #expect(ClaimResolution.beats(holder, other))
                }
            }
        }
    }

    @Test("a release covers the claims made at or before it, not a newer one")
    func releases() {
        let claims = ["a": Self.claim("a", slot: 1, at: 10, settled: 11), "b": Self.claim("b", slot: 2, at: 30)]
        let releases = ["a": OverlayRelease(node: "a", claimedAt: 10, releasedAt: 50, releasedBy: "operator"),
                        "b": OverlayRelease(node: "b", claimedAt: 20, releasedAt: 50, releasedBy: "operator")]
        let valid = ClaimResolution.valid(claims, releases: releases, capacity: 10)
        #expect(valid.keys.sorted() == ["b"])
        #expect(ClaimResolution.valid(claims, releases: [:], capacity: 2).keys.sorted() == ["a"], "slot 2 is beyond a capacity of 2")
    }
}
