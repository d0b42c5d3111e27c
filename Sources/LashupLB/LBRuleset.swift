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

    /// The table for `services` (as `VIPTable.services` gives them).
    public static func ruleset(_ services: [ServiceKey: [Backend]], table: String = "lashup") -> NFTRuleset {
        var services4: Set<String> = [], services6: Set<String> = []
        var dispatch4: [String: String] = [:], dispatch6: [String: String] = [:]
        var slots4: [String: String] = [:], slots6: [String: String] = [:]
        var hairpin4: Set<String> = [], hairpin6: Set<String> = []
        for (service, backends) in services {
            let v4 = service.address.isIPv4
            let tuple = "\(service.address) . \(service.transport.rawValue) . \(service.port)"
            if v4 { services4.insert(tuple) } else { services6.insert(tuple) }
            let owners = slots(backends)
            guard !owners.isEmpty else { continue }
            if v4 { dispatch4[tuple] = "goto pick\(owners.count)" } else { dispatch6[tuple] = "goto pick\(owners.count)" }
            for (slot, backend) in owners.enumerated() {
                let value = "\(backend.address) . \(backend.port)"
                let pair = "\(backend.address) . \(backend.address)"
                if v4 {
                    slots4["\(tuple) . \(slot)"] = value
                    hairpin4.insert(pair)
                } else {
                    slots6["\(tuple) . \(slot)"] = value
                    hairpin6.insert(pair)
                }
            }
        }
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
                NFTSet(name: "services4", type: "typeof ip daddr . meta l4proto . th dport", elements: services4),
                NFTSet(name: "services6", type: "typeof ip6 daddr . meta l4proto . th dport", elements: services6),
                NFTSet(name: "hairpin4", type: "typeof ip saddr . ip daddr", elements: hairpin4),
                NFTSet(name: "hairpin6", type: "typeof ip6 saddr . ip6 daddr", elements: hairpin6),
            ],
            maps: [
                NFTMap(name: "dispatch4", keyType: "typeof ip daddr . meta l4proto . th dport", valueType: "verdict", elements: dispatch4),
                NFTMap(name: "dispatch6", keyType: "typeof ip6 daddr . meta l4proto . th dport", valueType: "verdict", elements: dispatch6),
                NFTMap(name: "slots4", keyType: "typeof ip daddr . \(slotKey)", valueType: "ip daddr . th dport", elements: slots4),
                NFTMap(name: "slots6", keyType: "typeof ip6 daddr . \(slotKey)", valueType: "ip6 daddr . th dport", elements: slots6),
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
