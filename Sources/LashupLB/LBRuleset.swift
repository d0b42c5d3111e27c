import LashupCRDT
import LashupNFTables

/// The load balancer's nftables table, kube-proxy-nftables style but with shared maps: one
/// lookup on `daddr . l4proto . dport . (random number)` in an interval map picks the backend
/// and DNATs to it, so the table has the same six sets and maps and seven chains for one VIP
/// or a hundred thousand, and a backend change is a few element adds and deletes.
///
/// Weights become intervals of a fixed random range (`numgen random mod 65536`): a backend of
/// weight w among weights totalling W owns about 65536·w/W consecutive numbers, at least one;
/// weight 0 owns none (drain: no new connections, established ones keep their conntrack
/// binding). A VIP none of whose backends owns a number is rejected (TCP reset, ICMP port
/// unreachable for UDP) instead of leaking to whatever the address routes to. Connections from
/// a backend to a VIP that picks that same backend (hairpin) are masqueraded, or its reply
/// would bypass the NAT.
public enum LBRuleset {
    /// Size of the random range weights are spread over.
    public static let randomRange: UInt32 = 65_536
    /// Priority of our NAT chains: before the usual `dstnat` (-100) users and Docker add.
    public static let natPriority = -110

    /// The table for `services` (as `VIPTable.services` gives them).
    public static func ruleset(_ services: [ServiceKey: [Backend]], table: String = "lashup") -> NFTRuleset {
        var services4: Set<String> = [], services6: Set<String> = []
        var backends4: [String: String] = [:], backends6: [String: String] = [:]
        var hairpin4: Set<String> = [], hairpin6: Set<String> = []
        for (service, backends) in services {
            let tuple = "\(service.address) . \(service.transport.rawValue) . \(service.port)"
            if service.address.isIPv4 { services4.insert(tuple) } else { services6.insert(tuple) }
            for (backend, range) in intervals(backends) {
                let key = "\(tuple) . \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)")"
                let value = "\(backend.address) . \(backend.port)"
                let pair = "\(backend.address) . \(backend.address)"
                if service.address.isIPv4 {
                    backends4[key] = value
                    hairpin4.insert(pair)
                } else {
                    backends6[key] = value
                    hairpin6.insert(pair)
                }
            }
        }
        let random = "numgen random mod \(randomRange)"
        let dispatch = NFTChain(name: "dispatch", rules: [
            "meta l4proto { tcp, udp } dnat ip to ip daddr . meta l4proto . th dport . \(random) map @backends4",
            "meta l4proto { tcp, udp } dnat ip6 to ip6 daddr . meta l4proto . th dport . \(random) map @backends6",
        ])
        let guardRules = [
            "meta l4proto tcp ip daddr . meta l4proto . th dport @services4 reject with tcp reset",
            "meta l4proto udp ip daddr . meta l4proto . th dport @services4 reject",
            "meta l4proto tcp ip6 daddr . meta l4proto . th dport @services6 reject with tcp reset",
            "meta l4proto udp ip6 daddr . meta l4proto . th dport @services6 reject",
        ]
        return NFTRuleset(
            family: "inet", table: table,
            sets: [
                NFTSet(name: "services4", type: "typeof ip daddr . meta l4proto . th dport", elements: services4),
                NFTSet(name: "services6", type: "typeof ip6 daddr . meta l4proto . th dport", elements: services6),
                NFTSet(name: "hairpin4", type: "typeof ip saddr . ip daddr", elements: hairpin4),
                NFTSet(name: "hairpin6", type: "typeof ip6 saddr . ip6 daddr", elements: hairpin6),
            ],
            maps: [
                NFTMap(name: "backends4", keyType: "typeof ip daddr . meta l4proto . th dport . \(random)", valueType: "ip daddr . th dport", flags: ["interval"], elements: backends4),
                NFTMap(name: "backends6", keyType: "typeof ip6 daddr . meta l4proto . th dport . \(random)", valueType: "ip6 daddr . th dport", flags: ["interval"], elements: backends6),
            ],
            chains: [
                NFTChain(name: "nat_prerouting", hook: .init(type: "nat", hook: "prerouting", priority: natPriority), rules: ["jump dispatch"]),
                NFTChain(name: "nat_output", hook: .init(type: "nat", hook: "output", priority: natPriority), rules: ["jump dispatch"]),
                dispatch,
                NFTChain(name: "nat_postrouting", hook: .init(type: "nat", hook: "postrouting", priority: 100), rules: [
                    "ct status dnat ip saddr . ip daddr @hairpin4 masquerade",
                    "ct status dnat ip6 saddr . ip6 daddr @hairpin6 masquerade",
                ]),
                NFTChain(name: "filter_output", hook: .init(type: "filter", hook: "output", priority: 0), rules: guardRules),
                NFTChain(name: "filter_forward", hook: .init(type: "filter", hook: "forward", priority: 0), rules: guardRules),
                NFTChain(name: "filter_input", hook: .init(type: "filter", hook: "input", priority: 0), rules: guardRules),
            ]
        )
    }

    /// Each backend with weight and the numbers of the random range it owns, in backend
    /// order. Every backend of positive weight owns at least one number; the rest are shared
    /// by largest remainder, so the split is exact to one number and the same on every node.
    public static func intervals(_ backends: [Backend]) -> [(Backend, ClosedRange<UInt32>)] {
        let live = backends.filter { $0.weight > 0 }.sorted()
        guard !live.isEmpty else { return [] }
        let capped = Array(live.prefix(Int(randomRange)))
        let total = capped.reduce(UInt64(0)) { $0 + UInt64($1.weight) }
        let spare = UInt64(randomRange) - UInt64(capped.count)
        var shares = capped.map { 1 + spare * UInt64($0.weight) / total }
        var remainders = capped.indices.map { (index: $0, remainder: spare * UInt64(capped[$0].weight) % total) }
        var left = UInt64(randomRange) - shares.reduce(0, +)
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
        for entry in remainders where left > 0 {
            shares[entry.index] += 1
            left -= 1
        }
        var start: UInt32 = 0
        var result: [(Backend, ClosedRange<UInt32>)] = []
        for (index, backend) in capped.enumerated() {
            let end = start + UInt32(shares[index]) - 1
            result.append((backend, start...end))
            start = end + 1
        }
        return result
    }
}
