import LashupCRDT
@testable import LashupLB
import LashupNFTables
import LashupTestSupport
import PropertyBased
import Testing

/// One change at a time, the table's elements follow the services exactly as a full render
/// would give them, whatever was added, reweighted, drained or removed, and shared hairpin
/// pairs stay while any service still uses them.
@Suite("load balancer incremental elements", .onDedicatedThread)
struct ProgrammedElementsTests {
    /// The table as element sets, the way the kernel would hold it.
    struct Model: Equatable {
        var sets: [String: Set<String>] = [:]
        var maps: [String: [String: String]] = [:]

        init(_ ruleset: NFTRuleset) {
            for set in ruleset.sets where !set.elements.isEmpty { sets[set.name] = set.elements }
            for map in ruleset.maps where !map.elements.isEmpty { maps[map.name] = map.elements }
        }

        /// Applies a transaction as nft would: deletions first (failing on a missing element),
        /// then additions (failing on a key already there).
        mutating func apply(_ changes: NFTElementChanges) {
            for (name, elements) in changes.deletions {
                for element in elements {
                    if maps[name]?.removeValue(forKey: element) == nil {
                        #expect(sets[name]?.remove(element) != nil, "deleted \(element) from \(name), which lacks it")
                    }
                }
            }
            for (name, elements) in changes.additions {
                for element in elements {
                    let parts = element.components(separatedBy: " : ")
                    if parts.count == 2 {
                        #expect(maps[name]?[parts[0]] == nil, "added \(element) to \(name), which has that key")
                        maps[name, default: [:]][parts[0]] = parts[1]
                    } else {
                        #expect(sets[name, default: []].insert(element).inserted, "added \(element) to \(name) twice")
                    }
                }
            }
            sets = sets.filter { !$0.value.isEmpty }
            maps = maps.filter { !$0.value.isEmpty }
        }
    }

    static func vip(_ index: Int) -> ServiceKey {
        let address: IPAddress = index < 4 ? .v4(0x0B00_0000 + UInt32(index)) : .v6(high: 0xFD01_000C_0000_0000, low: UInt64(index))
        return ServiceKey(transport: index % 2 == 0 ? .tcp : .udp, address: address, port: 80)
    }

    static func backend(_ index: Int, v4: Bool, weight: Int) -> Backend {
        let address: IPAddress = v4 ? .v4(0x0A00_0000 + UInt32(index)) : .v6(high: 0xFD00_0000_0000_0000, low: UInt64(index))
        return Backend(agent: "node-\(index % 2)", address: address, port: 8080, weight: UInt32(weight))
    }

    /// A step's services: for each of six VIPs (a seventh of codes: absent), a subset of six
    /// backends (shared between VIPs, so hairpin pairs are shared) with weights 0...3.
    static func services(_ codes: [Int]) -> [ServiceKey: [Backend]] {
        var result: [ServiceKey: [Backend]] = [:]
        for (index, code) in codes.enumerated() where code % 7 != 0 {
            let service = vip(index)
            let members = (0..<6).filter { (code >> $0) & 1 == 1 }
            result[service] = members.map { backend($0, v4: service.address.isIPv4, weight: (code >> ($0 + 6)) % 4) }
        }
        return result
    }

    @Test("random histories: applying each step's changes gives the full render's elements; a step with no change sends nothing")
    func followsTheFullRender() async {
        let step = Gen.int(in: 0...(1 << 14)).array(of: 6...6)
        await propertyCheck(count: 200, input: step.array(of: 1...12)) { steps in
            var programmed = ProgrammedElements([:], localAgent: "node-0")
            var kernel = Model(LBRuleset.ruleset([:], localAgent: "node-0"))
            for codes in steps {
                let desired = Self.services(codes)
                kernel.apply(programmed.changes(to: desired))
                #expect(kernel == Model(LBRuleset.ruleset(desired, localAgent: "node-0")))
                #expect(programmed.changes(to: desired).isEmpty)
            }
        }
    }

    @Test("hairpin pairs only for this host's backends")
    func hairpinIsLocal() {
        let service = ServiceKey(transport: .tcp, address: .v4(0x0B00_0001), port: 80)
        let backends = [Backend(agent: "node-0", address: .v4(0x0A00_0001), port: 8080), Backend(agent: "node-1", address: .v4(0x0A00_0002), port: 8080)]
        let hairpins = LBRuleset.elements(of: service, backends, localAgent: "node-1").filter { $0.container == "hairpin4" }
        #expect(hairpins.map(\.key) == ["10.0.0.2 . 10.0.0.2"])
        #expect(LBRuleset.elements(of: service, backends, localAgent: nil).filter { $0.container == "hairpin4" }.count == 2)
    }
}
