import LashupGossip
import LashupMembership
import PropertyBased
import Testing

@Suite("Seen broadcasts")
struct SeenBroadcastsTests {
    func id(_ origin: String, _ incarnation: UInt64, _ sequence: UInt64) -> BroadcastID {
        BroadcastID(origin: NodeID(origin), incarnation: incarnation, sequence: sequence)
    }

    /// Within the bounds it answers exactly as a set of every id inserted would, whatever the
    /// order of arrival (duplicates and gaps included).
    @Test("within its bounds it is a set of every id seen")
    func matchesASet() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 1...300)) { codes in
            var seen = SeenBroadcasts(maximumOrigins: 100, maximumAboveWatermark: 1_000)
            var reference: Set<BroadcastID> = []
            for code in codes {
                let candidate = id("o\(code % 3)", UInt64(1 + (code / 3) % 3), UInt64(1 + (code / 9) % 40))
                #expect(seen.contains(candidate) == reference.contains(candidate))
                let inserted = seen.insert(candidate)
                #expect(inserted == reference.insert(candidate).inserted)
            }
            for origin in 0..<3 {
                for incarnation in 1...3 {
                    for sequence in 1...41 {
                        let probe = id("o\(origin)", UInt64(incarnation), UInt64(sequence))
                        #expect(seen.contains(probe) == reference.contains(probe))
                    }
                }
            }
            #expect(seen.forgotten == 0)
        }
    }

    @Test("in-order ids are kept as one watermark")
    func watermark() {
        var seen = SeenBroadcasts(maximumOrigins: 10, maximumAboveWatermark: 10)
        for sequence in 1...10_000 { seen.insert(id("a", 1, UInt64(sequence))) }
        #expect(seen.idsAboveWatermarks == 0 && seen.originCount == 1)
        #expect(seen.contains(id("a", 1, 1)) && seen.contains(id("a", 1, 10_000)) && !seen.contains(id("a", 1, 10_001)))
        #expect(!seen.contains(id("a", 2, 1)) && !seen.contains(id("b", 1, 1)))
    }

    @Test("a gap that never fills is given up once too many ids wait above it")
    func gapGivenUp() {
        var seen = SeenBroadcasts(maximumOrigins: 10, maximumAboveWatermark: 3)
        seen.insert(id("a", 1, 1))
        for sequence in 3...5 { seen.insert(id("a", 1, UInt64(sequence))) }
        #expect(!seen.contains(id("a", 1, 2)) && seen.idsAboveWatermarks == 3 && seen.forgotten == 0)
        seen.insert(id("a", 1, 6))
        // 2 never came: it now counts as seen, and the watermark runs through 6.
        #expect(seen.contains(id("a", 1, 2)) && seen.idsAboveWatermarks == 0 && seen.forgotten == 1)
        let insertedAgain = seen.insert(id("a", 1, 2))
        #expect(!insertedAgain)
    }

    @Test("only the newest incarnations of an origin are kept; older ones count as seen")
    func incarnations() {
        var seen = SeenBroadcasts(maximumOrigins: 10, maximumAboveWatermark: 10)
        for incarnation in [3, 1, 4, 2] as [UInt64] { seen.insert(id("a", incarnation, 1)) }
        #expect(seen.forgotten == 0 && !seen.contains(id("a", 1, 2)))
        seen.insert(id("a", 5, 1))
        #expect(seen.forgotten == 1)
        #expect(seen.contains(id("a", 1, 2)), "incarnation 1 was dropped: its ids are stale and count as seen")
        #expect(!seen.contains(id("a", 2, 2)) && seen.contains(id("a", 5, 1)))
        let staleInserted = seen.insert(id("a", 1, 7))
        #expect(!staleInserted)
    }

    @Test("beyond the origin bound the oldest origin is forgotten")
    func originsBounded() {
        var seen = SeenBroadcasts(maximumOrigins: 2, maximumAboveWatermark: 10)
        for origin in ["a", "b", "c"] { seen.insert(id(origin, 1, 1)) }
        #expect(seen.originCount == 2 && seen.forgotten == 1)
        #expect(!seen.contains(id("a", 1, 1)) && seen.contains(id("b", 1, 1)) && seen.contains(id("c", 1, 1)))
    }
}
