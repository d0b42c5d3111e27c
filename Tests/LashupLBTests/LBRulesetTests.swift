import LashupCRDT
import LashupLB
import PropertyBased
import Testing

/// The weighted split of the random range, and a table whose shape does not depend on how
/// many VIPs it serves.
@Suite("load balancer ruleset")
struct LBRulesetTests {
    static func backend(_ index: Int, weight: UInt32) -> Backend {
        Backend(agent: "node-\(index % 3)", address: .v4(0x0A00_0000 + UInt32(index)), port: 8080, weight: weight)
    }

    @Test("weights split the whole range exactly: every live backend owns some, each within one number of its share")
    func weightedIntervals() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int(Backend.maximumWeight)).array(of: 1...40)) { weights in
            let backends = weights.enumerated().map { Self.backend($0.offset, weight: UInt32($0.element)) }
            let intervals = LBRuleset.intervals(backends.shuffled())
            let live = backends.filter { $0.weight > 0 }
            #expect(intervals.map(\.0) == live.sorted(), "the same backends in the same order, whatever the input order")
            guard !live.isEmpty else { return }
            var next: UInt32 = 0
            for (_, range) in intervals {
                #expect(range.lowerBound == next)
                next = range.upperBound + 1
            }
            #expect(next == LBRuleset.randomRange)
            let total = Double(live.reduce(0) { $0 + UInt64($1.weight) })
            for (backend, range) in intervals {
                let share = Double(LBRuleset.randomRange) * Double(backend.weight) / total
                // Each live backend first gets one number, the rest is split by largest remainder.
                let bound = max(2, Double(live.count) * Double(backend.weight) / total)
                #expect(abs(Double(range.count) - share) <= bound, "\(backend): \(range.count) for a share of \(share)")
                #expect(range.count >= 1)
            }
        }
    }

    @Test("a drained VIP owns no numbers; its address still rejects")
    func drained() {
        let service = ServiceKey(transport: .tcp, address: IPAddress("11.0.0.1")!, port: 80)
        let ruleset = LBRuleset.ruleset([service: [Self.backend(1, weight: 0)]])
        #expect(ruleset.maps.allSatisfy { $0.elements.isEmpty })
        #expect(ruleset.sets.first { $0.name == "services4" }?.elements == ["11.0.0.1 . tcp . 80"])
    }

    @Test("one VIP or ten thousand: the same sets, maps and chains; only elements grow")
    func constantShape() {
        func services(_ count: Int) -> [ServiceKey: [Backend]] {
            var result: [ServiceKey: [Backend]] = [:]
            for index in 0..<count {
                let v4 = index % 2 == 0
                let address: IPAddress = v4 ? .v4(0x0B00_0000 + UInt32(index)) : .v6(high: 0xFD01_000C_0000_0000, low: UInt64(index))
                let backends = (0..<3).map { Backend(agent: "node-\($0)", address: v4 ? .v4(0x0A00_0000 + UInt32($0)) : .v6(high: 0xFD00_0000_0000_0000, low: UInt64($0)), port: 8080, weight: UInt32($0)) }
                result[ServiceKey(transport: index % 3 == 0 ? .udp : .tcp, address: address, port: 80)] = backends
            }
            return result
        }
        let small = LBRuleset.ruleset(services(1)), large = LBRuleset.ruleset(services(10_000))
        #expect(small.structure == large.structure)
        #expect(large.maps.reduce(0) { $0 + $1.elements.count } == 10_000 * 2, "two live backends per VIP (weights 1 and 2)")
        #expect(large.sets.first { $0.name == "services4" }!.elements.count + large.sets.first { $0.name == "services6" }!.elements.count == 10_000)
    }
}
