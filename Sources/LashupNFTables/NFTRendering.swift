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
            if !set.elements.isEmpty { lines.append("    elements = { \(set.elements.sorted().joined(separator: ", ")) }") }
            lines.append("  }")
        }
        for map in ruleset.maps.sorted(by: { $0.name < $1.name }) {
            lines.append("  map \(map.name) {")
            lines.append("    \(declaration(map.keyType)) : \(map.valueType)")
            if !map.flags.isEmpty { lines.append("    flags \(map.flags.joined(separator: ", "))") }
            if !map.elements.isEmpty {
                lines.append("    elements = { \(map.elements.sorted { $0.key < $1.key }.map { "\($0.key) : \($0.value)" }.joined(separator: ", ")) }")
            }
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
        return lines
    }

    /// `type T`, or the declaration itself when it is by expression (`typeof ip daddr . th dport`).
    static func declaration(_ type: String) -> String { type.hasPrefix("typeof ") ? type : "type \(type)" }

    /// Element changes only: each set's and map's additions and removals, one transaction.
    /// A map entry whose value changed is deleted and added again.
    static func elementChanges(from current: NFTRuleset, to desired: NFTRuleset) -> [String] {
        let name = "\(desired.family) \(desired.table)"
        var lines: [String] = []
        let currentSets = Dictionary(current.sets.map { ($0.name, $0.elements) }, uniquingKeysWith: { first, _ in first })
        for set in desired.sets.sorted(by: { $0.name < $1.name }) {
            let have = currentSets[set.name] ?? []
            let removed = have.subtracting(set.elements).sorted(), added = set.elements.subtracting(have).sorted()
            if !removed.isEmpty { lines.append("delete element \(name) \(set.name) { \(removed.joined(separator: ", ")) }") }
            if !added.isEmpty { lines.append("add element \(name) \(set.name) { \(added.joined(separator: ", ")) }") }
        }
        let currentMaps = Dictionary(current.maps.map { ($0.name, $0.elements) }, uniquingKeysWith: { first, _ in first })
        for map in desired.maps.sorted(by: { $0.name < $1.name }) {
            let have = currentMaps[map.name] ?? [:]
            let removed = have.filter { map.elements[$0.key] != $0.value }.keys.sorted()
            let added = map.elements.filter { have[$0.key] != $0.value }.sorted { $0.key < $1.key }
            if !removed.isEmpty { lines.append("delete element \(name) \(map.name) { \(removed.joined(separator: ", ")) }") }
            if !added.isEmpty { lines.append("add element \(name) \(map.name) { \(added.map { "\($0.key) : \($0.value)" }.joined(separator: ", ")) }") }
        }
        return lines
    }
}
