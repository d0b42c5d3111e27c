import Foundation
import LashupNFTables
import LashupTestSupport
import Testing

let hasNFT = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].contains { FileManager.default.isExecutableFile(atPath: $0) }

/// `NFTables` in a namespace of the test's own: whole-table transactions, element-only
/// changes, read-back, drift repair, errors with their line, and foreign tables untouched.
@Suite("nftables", .onOwnThread, .enabled(if: TestNamespace.canRun && hasNFT, "needs root, iproute2 and nftables"))
struct NFTablesTests {
    var ruleset: NFTRuleset {
        NFTRuleset(
            sets: [NFTSet(name: "vips", type: "ipv4_addr . inet_proto . inet_service", elements: ["11.0.0.7 . tcp . 80", "11.0.0.8 . udp . 53"])],
            maps: [
                NFTMap(name: "backends", keyType: "ipv4_addr", valueType: "ipv4_addr", elements: ["11.0.0.7": "10.0.0.1", "11.0.0.8": "10.0.0.2"]),
                NFTMap(name: "dispatch", keyType: "inet_service", valueType: "verdict", elements: ["80": "jump web"]),
            ],
            chains: [
                NFTChain(name: "web", rules: ["counter accept"]),
                NFTChain(name: "prerouting", hook: .init(type: "nat", hook: "prerouting", priority: -100), rules: [
                    "ip daddr . meta l4proto . th dport @vips counter dnat ip to ip daddr map @backends",
                ]),
                NFTChain(name: "input", hook: .init(type: "filter", hook: "input", priority: 0), rules: ["tcp dport vmap @dispatch"]),
            ]
        )
    }

    @Test("written whole, then unchanged, then element changes only; drift and deletion repaired; foreign tables untouched")
    func passes() throws {
        let namespace = try TestNamespace("nft")
        try namespace.nft(["add", "table", "ip", "foreign"])
        try namespace.nft(["add", "chain", "ip", "foreign", "c", "{ type filter hook input priority 10; }"])
        try namespace.nft(["add", "rule", "ip", "foreign", "c", "counter"])
        let foreign = try namespace.nft(["list", "table", "ip", "foreign"])
        let tables = try NFTables(namespace: namespace.path)

        #expect(try tables.apply(ruleset).kind == .full(reason: "first write"))
        let listing = try tables.listing()
        #expect(listing.contains("11.0.0.7 . tcp . 80") && listing.contains("dnat ip to ip daddr map @backends"), "\(listing)")
        #expect(try tables.apply(ruleset) == NFTables.Report(kind: .unchanged, lines: 0))

        var changed = ruleset
        changed.maps[0].elements["11.0.0.7"] = "10.0.0.9"
        changed.maps[0].elements["11.0.0.9"] = "10.0.0.3"
        changed.sets[0].elements.remove("11.0.0.8 . udp . 53")
        let elements = try tables.apply(changed)
        #expect(elements.kind == .elements && elements.lines == 3, "\(elements)")
        #expect(try tables.listing().contains("11.0.0.7 : 10.0.0.9"))

        // Someone adds a rule to our table: the next pass writes it whole again.
        try namespace.nft(["add", "rule", "inet", "lashup", "web", "drop"])
        let repaired = try tables.apply(changed).kind
        #expect(repaired == .full(reason: "drift: the table's chains, rules or declarations changed outside this process"), "\(repaired)")
        #expect(!(try tables.listing()).contains("drop"))
        // Someone deletes our table.
        try namespace.nft(["delete", "table", "inet", "lashup"])
        #expect(try tables.apply(changed).kind == .full(reason: "drift: the table was deleted"))
        // Someone edits our elements: the element diff is against the kernel, not memory.
        try namespace.nft(["delete", "element", "inet", "lashup", "backends", "{ 11.0.0.9 }"])
        #expect(try tables.apply(changed).kind == .elements)
        #expect(try tables.listing().contains("11.0.0.9 : 10.0.0.3"))

        #expect(try namespace.nft(["list", "table", "ip", "foreign"]) == foreign)
        try tables.remove()
        #expect(try namespace.nft(["list", "tables"]).contains("table ip foreign"))
        #expect(!(try namespace.nft(["list", "tables"])).contains("lashup"))
    }

    @Test("a refused script names its line; the table is left as it was (one transaction)")
    func refused() throws {
        let namespace = try TestNamespace("nft-bad")
        let tables = try NFTables(namespace: namespace.path)
        try tables.apply(ruleset)
        let before = try tables.listing()
        var bad = ruleset
        bad.chains[0].rules.append("counter frobnicate")
        let refusal: NFTablesError?
        do {
            try tables.apply(bad)
            refusal = nil
        } catch {
            refusal = error
        }
        guard case let .rejected(message, line, text)? = refusal else {
            Issue.record("not refused as expected: \(String(describing: refusal))")
            return
        }
        #expect(message.hasPrefix("Error:"), "\(message)")
        #expect(line != nil && text?.contains("counter frobnicate") == true, "line \(String(describing: line)): \(String(describing: text))")
        #expect(try tables.listing() == before)
    }

    @Test("an element nft prints differently from how it was written is a mismatch, not silent drift")
    func nonCanonical() throws {
        let namespace = try TestNamespace("nft-canon")
        let tables = try NFTables(namespace: namespace.path)
        let odd = NFTRuleset(sets: [NFTSet(name: "ports", type: "inet_service", elements: ["0x50"])])
        let refusal = nftError { () throws(NFTablesError) in try tables.apply(odd) }
        guard case let .mismatch(what)? = refusal else {
            Issue.record("0x50 was not a mismatch: \(String(describing: refusal))")
            return
        }
        #expect(what.contains("set ports") && what.contains("0x50") && what.contains("80"), "\(what)")
    }

    @Test("a namespace that does not exist is named as such, not taken for a missing table")
    func missingNamespace() throws {
        let tables = try NFTables(namespace: "/run/netns/lashup-no-such-namespace-\(getpid())")
        let refusal = nftError { () throws(NFTablesError) in try tables.apply(NFTRuleset(sets: [NFTSet(name: "ports", type: "inet_service", elements: ["80"])])) }
        guard case let .unavailable(why)? = refusal else {
            Issue.record("not named as a missing namespace: \(String(describing: refusal))")
            return
        }
        #expect(why.contains("cannot enter the network namespace"), "\(why)")
    }
}

/// The error `body` throws, or nil.
func nftError(_ body: () throws(NFTablesError) -> Void) -> NFTablesError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
