import LashupCRDT
import LashupNFTables

/// The load balancer's nftables table, kube-proxy-nftables style but with shared maps, so its
/// shape is the same for one VIP or a hundred thousand and a backend change is a few element
/// adds and deletes.
///
/// Each VIP's weights become `slots` (at most `maximumSlots`): a backend of weight w among
/// weights totalling W owns about slots·w/W of them, at least one; weight 0 owns none (drain:
/// no new connections, established ones keep their conntrack binding). One verdict-map lookup
/// on `daddr . l4proto . dport` jumps to the chain `pick<slots>` of the VIP's slot count, which
/// draws `numgen random mod <slots>` and DNATs through one hash map keyed on
/// `daddr . l4proto . dport . slot`. The `pick` chains are a fixed set (one per slot count),
/// so no chain or map is ever made per VIP; hash maps, not interval maps, because nft reads a
/// whole interval map back into memory before changing one element (a change took a second at
/// 10 000 elements). A VIP no backend of which owns a slot is rejected (TCP reset, ICMP port
/// unreachable for UDP) instead of leaking to wherever its address routes. Connections from a
/// backend to a VIP that picks that same backend (hairpin) are masqueraded, or the reply would
/// bypass the NAT.
public enum LBRuleset {
    /// Most slots a VIP's weights are spread over (and so the number of `pick` chains): the
    /// share of each backend is exact to 1/64 of the VIP's traffic.
    public static let maximumSlots = 64
    /// Priority of our NAT chains: before the usual `dstnat` (-100) users and Docker add.
    public static let natPriority = -110

    /// The table for `services` (as `VIPTable.services` gives them). Hairpin masquerading is
    /// needed only for backends on this host (`localAgent`; nil: every backend): a client can
    /// have a backend's address only on the host that backend runs on.
    public static func ruleset(_ services: [ServiceKey: [Backend]], table: String = "lashup", localAgent: String? = nil) -> NFTRuleset {
        var ruleset = structure(table: table)
        var sets: [String: Set<String>] = [:], maps: [String: [String: String]] = [:]
        for (service, backends) in services {
            for element in elements(of: service, backends, localAgent: localAgent) {
                if let value = element.value {
                    maps[element.container, default: [:]][element.key] = value
                } else {
                    sets[element.container, default: []].insert(element.key)
                }
            }
        }
        for index in ruleset.sets.indices { ruleset.sets[index].elements = sets[ruleset.sets[index].name] ?? [] }
        for index in ruleset.maps.indices { ruleset.maps[index].elements = maps[ruleset.maps[index].name] ?? [:] }
        return ruleset
    }

    /// What one service puts in the table's sets and maps: its tuple in `services4`/`6`, its
    /// dispatch entry, one slot entry per owned slot, and a hairpin pair per local backend.
    /// Only hairpin pairs can be shared by several services.
    public static func elements(of service: ServiceKey, _ backends: [Backend], localAgent: String?) -> [LBElement] {
        let v4 = service.address.isIPv4
        let family = v4 ? "4" : "6"
        let tuple = "\(service.address) . \(service.transport.rawValue) . \(service.port)"
        var result = [LBElement(container: "services" + family, key: tuple)]
        let owners = slots(backends)
        guard !owners.isEmpty else { return result }
        result.append(LBElement(container: "dispatch" + family, key: tuple, value: "goto pick\(owners.count)"))
        var hairpins: Set<IPAddress> = []
        for (slot, backend) in owners.enumerated() {
            result.append(LBElement(container: "slots" + family, key: "\(tuple) . \(slot)", value: "\(backend.address) . \(backend.port)"))
            if localAgent == nil || backend.agent == localAgent, hairpins.insert(backend.address).inserted {
                result.append(LBElement(container: "hairpin" + family, key: "\(backend.address) . \(backend.address)"))
            }
        }
        return result
    }

    /// The table without elements: the same for every set of services.
    public static func structure(table: String = "lashup") -> NFTRuleset {
        var chains = [
            NFTChain(name: "nat_prerouting", hook: .init(type: "nat", hook: "prerouting", priority: natPriority), rules: ["jump dispatch"]),
            NFTChain(name: "nat_output", hook: .init(type: "nat", hook: "output", priority: natPriority), rules: ["jump dispatch"]),
            NFTChain(name: "dispatch", rules: [
                "ip daddr . meta l4proto . th dport vmap @dispatch4",
                "ip6 daddr . meta l4proto . th dport vmap @dispatch6",
            ]),
        ]
        for count in 1...maximumSlots {
            let random = "numgen random mod \(count)"
            chains.append(NFTChain(name: "pick\(count)", rules: [
                "meta nfproto ipv4 meta l4proto { tcp, udp } dnat ip to ip daddr . meta l4proto . th dport . \(random) map @slots4",
                "meta nfproto ipv6 meta l4proto { tcp, udp } dnat ip6 to ip6 daddr . meta l4proto . th dport . \(random) map @slots6",
            ]))
        }
        let guardRules = [
            "meta l4proto tcp ip daddr . meta l4proto . th dport @services4 reject with tcp reset",
            "meta l4proto udp ip daddr . meta l4proto . th dport @services4 reject",
            "meta l4proto tcp ip6 daddr . meta l4proto . th dport @services6 reject with tcp reset",
            "meta l4proto udp ip6 daddr . meta l4proto . th dport @services6 reject",
        ]
        chains += [
            NFTChain(name: "nat_postrouting", hook: .init(type: "nat", hook: "postrouting", priority: 100), rules: [
                "ct status dnat ip saddr . ip daddr @hairpin4 masquerade",
                "ct status dnat ip6 saddr . ip6 daddr @hairpin6 masquerade",
            ]),
            NFTChain(name: "filter_output", hook: .init(type: "filter", hook: "output", priority: 0), rules: guardRules),
            NFTChain(name: "filter_forward", hook: .init(type: "filter", hook: "forward", priority: 0), rules: guardRules),
            NFTChain(name: "filter_input", hook: .init(type: "filter", hook: "input", priority: 0), rules: guardRules),
        ]
        let slotKey = "meta l4proto . th dport . numgen random mod \(maximumSlots)"
        return NFTRuleset(
            family: "inet", table: table,
            sets: [
                NFTSet(name: "services4", type: "typeof ip daddr . meta l4proto . th dport"),
                NFTSet(name: "services6", type: "typeof ip6 daddr . meta l4proto . th dport"),
                NFTSet(name: "hairpin4", type: "typeof ip saddr . ip daddr"),
                NFTSet(name: "hairpin6", type: "typeof ip6 saddr . ip6 daddr"),
            ],
            maps: [
                NFTMap(name: "dispatch4", keyType: "typeof ip daddr . meta l4proto . th dport", valueType: "verdict"),
                NFTMap(name: "dispatch6", keyType: "typeof ip6 daddr . meta l4proto . th dport", valueType: "verdict"),
                NFTMap(name: "slots4", keyType: "typeof ip daddr . \(slotKey)", valueType: "ip daddr . th dport"),
                NFTMap(name: "slots6", keyType: "typeof ip6 daddr . \(slotKey)", valueType: "ip6 daddr . th dport"),
            ],
            chains: chains
        )
    }

    /// The owner of each slot of a VIP, in backend order: as many slots as the live weights
    /// need, reduced by their common divisor, at most `maximumSlots`. Every backend of positive
    /// weight owns at least one (past `maximumSlots` live backends, the first ones in order);
    /// beyond that, slots are shared by largest remainder, the same way on every node.
    public static func slots(_ backends: [Backend]) -> [Backend] {
        let live = Array(backends.filter { $0.weight > 0 }.sorted().prefix(maximumSlots))
        guard !live.isEmpty else { return [] }
        let divisor = live.reduce(UInt64(0)) { greatestCommonDivisor($0, UInt64($1.weight)) }
        let weights = live.map { UInt64($0.weight) / divisor }
        let total = weights.reduce(0, +)
        var shares: [UInt64]
        if total <= UInt64(maximumSlots) {
            shares = weights
        } else {
            let spare = UInt64(maximumSlots - live.count)
            shares = weights.map { 1 + spare * $0 / total }
            var left = UInt64(maximumSlots) - shares.reduce(0, +)
            let order = live.indices.sorted { first, second in
                let a = spare * weights[first] % total, b = spare * weights[second] % total
                return a != b ? a > b : first < second
            }
            for index in order where left > 0 {
                shares[index] += 1
                left -= 1
            }
        }
        var result: [Backend] = []
        for (backend, share) in zip(live, shares) { result += Array(repeating: backend, count: Int(share)) }
        return result
    }

    static func greatestCommonDivisor(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : greatestCommonDivisor(b, a % b) }
}
