/// nft scripts for `nft -f -`: one script is one kernel transaction, so it applies whole or
/// not at all.
enum NFTRendering {
    /// Replaces our table atomically: create it if absent (so the delete cannot fail), delete
    /// it, and declare it anew with everything in it.
    static func fullTable(_ ruleset: NFTRuleset) -> [String] {
        let name = "\(ruleset.family) \(ruleset.table)"
        var lines = ["add table \(name)", "delete table \(name)", "table \(name) {"]
        for set in ruleset.sets.sorted(by: { $0.name < $1.name }) {
            lines.append("  set \(set.name) {")
            lines.append("    \(declaration(set.type))")
            if !set.flags.isEmpty { lines.append("    flags \(set.flags.joined(separator: ", "))") }
            lines.append("  }")
        }
        for map in ruleset.maps.sorted(by: { $0.name < $1.name }) {
            lines.append("  map \(map.name) {")
            lines.append("    \(declaration(map.keyType)) : \(map.valueType)")
            if !map.flags.isEmpty { lines.append("    flags \(map.flags.joined(separator: ", "))") }
            lines.append("  }")
        }
        for chain in ruleset.chains {
            lines.append("  chain \(chain.name) {")
            if let hook = chain.hook {
                lines.append("    type \(hook.type) hook \(hook.hook) priority \(hook.priority); policy \(hook.policy);")
            }
            for rule in chain.rules { lines.append("    \(rule)") }
            lines.append("  }")
        }
        lines.append("}")
        // Elements after the declarations, in bounded statements, still in this transaction.
        for set in ruleset.sets.sorted(by: { $0.name < $1.name }) {
            lines += statements("add element \(name) \(set.name)", set.elements.sorted())
        }
        for map in ruleset.maps.sorted(by: { $0.name < $1.name }) {
            lines += statements("add element \(name) \(map.name)", map.elements.sorted { $0.key < $1.key }.map { "\($0.key) : \($0.value)" })
        }
        return lines
    }

    /// Most elements in one statement. nft sends each statement as one netlink message, and
    /// nft 1.0.6 mis-encodes the element that straddles a message's 64 KiB mark (a concatenated
    /// interval with a byte-swapped bound: accepted, listed wrong, or refused with EINVAL) and
    /// runs out of socket buffer (ENOBUFS) on very large ones; 500 interval elements of our
    /// largest kind stay well under 64 KiB.
    static let elementsPerStatement = 500

    static func statements(_ prefix: String, _ elements: [String]) -> [String] {
        stride(from: 0, to: elements.count, by: elementsPerStatement).map { start in
            "\(prefix) { \(elements[start..<min(start + elementsPerStatement, elements.count)].joined(separator: ", ")) }"
        }
    }

    /// `type T`, or the declaration itself when it is by expression (`typeof ip daddr . th dport`).
    static func declaration(_ type: String) -> String { type.hasPrefix("typeof ") ? type : "type \(type)" }

    /// Element changes only: each set's and map's additions and removals, one transaction.
    /// A map entry whose value changed is deleted and added again.
    static func elementChanges(from current: NFTRuleset, to desired: NFTRuleset) -> [String] {
        var changes = NFTElementChanges()
        let currentSets = Dictionary(current.sets.map { ($0.name, $0.elements) }, uniquingKeysWith: { first, _ in first })
        for set in desired.sets {
            let have = currentSets[set.name] ?? []
            changes.deletions[set.name] = Array(have.subtracting(set.elements))
            changes.additions[set.name] = Array(set.elements.subtracting(have))
        }
        let currentMaps = Dictionary(current.maps.map { ($0.name, $0.elements) }, uniquingKeysWith: { first, _ in first })
        for map in desired.maps {
            let have = currentMaps[map.name] ?? [:]
            changes.deletions[map.name] = have.filter { map.elements[$0.key] != $0.value }.map(\.key)
            changes.additions[map.name] = map.elements.filter { have[$0.key] != $0.value }.map { "\($0.key) : \($0.value)" }
        }
        return changes.lines(family: desired.family, table: desired.table)
    }
}
