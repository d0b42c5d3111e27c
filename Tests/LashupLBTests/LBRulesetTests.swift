import LashupCRDT
import LashupLB
import LashupTestSupport
import PropertyBased
import Testing

/// The weighted split of the random range, and a table whose shape does not depend on how
/// many VIPs it serves.
@Suite("load balancer ruleset", .onDedicatedThread)
struct LBRulesetTests {
    static func backend(_ index: Int, weight: UInt32) -> Backend {
        Backend(agent: "node-\(index % 3)", address: .v4(0x0A00_0000 + UInt32(index)), port: 8080, weight: weight)
    }

    @Test("weights become slots: every live backend owns some, in proportion (exactly when the reduced weights fit), the same whatever the input order")
    func weightedSlots() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int(Backend.maximumWeight)).array(of: 1...40)) { weights in
            let backends = weights.enumerated().map { Self.backend($0.offset, weight: UInt32($0.element)) }
            let slots = LBRuleset.slots(backends.shuffled())
            let live = backends.filter { $0.weight > 0 }.sorted()
            #expect(slots == LBRuleset.slots(backends), "the same on every node")
            guard !live.isEmpty else { return #expect(slots.isEmpty) }
            #expect(slots.count <= LBRuleset.maximumSlots)
            #expect(Array(Set(slots)).sorted() == live, "every live backend owns a slot, no other does")
            #expect(slots == slots.sorted(), "slots in backend order")
            let total = Double(live.reduce(0) { $0 + UInt64($1.weight) })
            for backend in live {
                let owned = Double(slots.filter { $0 == backend }.count)
                let share = Double(slots.count) * Double(backend.weight) / total
                // Exact when the reduced weights fit; else one slot each first, the rest by
                // largest remainder.
                let bound = max(2, Double(live.count) * Double(backend.weight) / total)
                #expect(abs(owned - share) <= bound, "\(backend): \(owned) slots of \(slots.count) for a share of \(share)")
            }
        }
    }

    @Test("small weights are exact: 1:2:3 is six slots, 2:2 is two")
    func exactSlots() {
        let backends = [Self.backend(1, weight: 1), Self.backend(2, weight: 2), Self.backend(3, weight: 3)]
        let slots = LBRuleset.slots(backends)
        #expect(slots.count == 6)
        #expect(backends.map { backend in slots.filter { $0 == backend }.count } == [1, 2, 3])
        #expect(LBRuleset.slots([Self.backend(1, weight: 2), Self.backend(2, weight: 2)]).count == 2)
    }

    @Test("a drained VIP owns no slots; its address still rejects")
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
        let slotElements = large.maps.filter { $0.name.hasPrefix("slots") }.reduce(0) { $0 + $1.elements.count }
        #expect(slotElements == 10_000 * 3, "weights 1 and 2 (and a drained one): three slots per VIP")
        #expect(large.maps.filter { $0.name.hasPrefix("dispatch") }.reduce(0) { $0 + $1.elements.count } == 10_000)
        #expect(large.sets.first { $0.name == "services4" }!.elements.count + large.sets.first { $0.name == "services6" }!.elements.count == 10_000)
    }
}
