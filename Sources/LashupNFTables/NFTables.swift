import Synchronization

/// Programs one nftables table of ours, the way kube-proxy's nftables mode does: the whole
/// table as one atomic transaction when its structure changes (or drifted), element adds and
/// deletes for changes of set and map contents only. `write` and `change` trust that the
/// kernel holds what was last sent and read nothing back, so their cost is what they send;
/// `apply` reads the table back (`nft -j list table`), repairs what drifted and verifies, for
/// the start and a periodic pass. No other table is read or touched.
public final class NFTables: Sendable {
    let command: NFTCommand
    /// The structure last written whole, and the fingerprint the kernel gave it (nil until a
    /// verifying `apply` has read it back).
    let written: Mutex<(structure: NFTRuleset, fingerprint: String?)?>

    /// - Parameter namespace: a network namespace file (`/run/netns/NAME`) to program instead
    ///   of this one (through util-linux's `nsenter`).
    public init(namespace: String? = nil) throws(NFTablesError) {
        command = try NFTCommand(namespace: namespace)
        written = Mutex(nil)
    }

    /// What a pass did.
    public struct Report: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Nothing to change.
            case unchanged
            /// Element adds and deletes only.
            case elements
            /// The table written whole: first time, new structure, or drift.
            case full(reason: String)
        }

        public var kind: Kind
        /// Lines of the transaction sent (0 when unchanged).
        public var lines: Int

        public init(kind: Kind, lines: Int) {
            self.kind = kind
            self.lines = lines
        }
    }

    /// Makes the kernel's table equal `desired`, reading it back: the element changes from what
    /// the kernel holds when only elements differ, the whole table when it is missing, its
    /// structure changed or someone changed it; then verifies the read-back.
    @discardableResult
    public func apply(_ desired: NFTRuleset) throws(NFTablesError) -> Report {
        let current = try read(desired)
        let last = written.withLock { $0 }
        var reason = "first write"
        if let last, let current {
            if last.structure != desired.structure {
                reason = "structure changed"
            } else if let fingerprint = last.fingerprint, fingerprint != current.fingerprint {
                reason = "drift: the table's chains, rules or declarations changed outside this process"
            } else {
                // A fingerprint not yet known is the one of what `write` sent moments ago.
                let fingerprint = last.fingerprint ?? current.fingerprint
                let lines = NFTRendering.elementChanges(from: Self.ruleset(desired.structure, current), to: desired)
                if !lines.isEmpty {
                    try run(lines)
                    try verify(desired, against: try read(desired), fingerprint: fingerprint)
                }
                written.withLock { $0?.fingerprint = fingerprint }
                return Report(kind: lines.isEmpty ? .unchanged : .elements, lines: lines.count)
            }
        } else if current == nil, last != nil {
            reason = "drift: the table was deleted"
        }
        let lines = NFTRendering.fullTable(desired)
        try run(lines)
        guard let readBack = try read(desired) else { throw .mismatch("table \(desired.family) \(desired.table) is missing after it was written") }
        try verify(desired, against: readBack, fingerprint: nil)
        written.withLock { $0 = (desired.structure, readBack.fingerprint) }
        return Report(kind: .full(reason: reason), lines: lines.count)
    }

    /// Replaces the table whole with `desired` in one transaction and reads nothing back (a
    /// transaction the kernel accepted holds): the fast first load. Follow it with `apply` to
    /// verify.
    @discardableResult
    public func write(_ desired: NFTRuleset) throws(NFTablesError) -> Report {
        let lines = NFTRendering.fullTable(desired)
        written.withLock { $0 = nil }
        try run(lines)
        written.withLock { $0 = (desired.structure, nil) }
        return Report(kind: .full(reason: "first write"), lines: lines.count)
    }

    /// The structure last written whole (nil before the first write, or after `remove`):
    /// `change` applies to it.
    public var writtenStructure: NFTRuleset? { written.withLock { $0?.structure } }

    /// Sends element changes to the table last written, as one transaction, with no read-back:
    /// a change costs its size however big the table. Throws when the kernel refuses it (for
    /// instance someone deleted the table or an element): then `apply` repairs.
    @discardableResult
    public func change(_ changes: NFTElementChanges, family: String = "inet", table: String = "lashup") throws(NFTablesError) -> Report {
        let lines = changes.lines(family: family, table: table)
        guard !lines.isEmpty else { return Report(kind: .unchanged, lines: 0) }
        try run(lines)
        return Report(kind: .elements, lines: lines.count)
    }

    /// Deletes our table (nothing else), if it exists.
    public func remove(family: String = "inet", table: String = "lashup") throws(NFTablesError) {
        try run(["add table \(family) \(table)", "delete table \(family) \(table)"])
        written.withLock { $0 = nil }
    }

    /// The table's text listing, for operators and tests.
    public func listing(family: String = "inet", table: String = "lashup") throws(NFTablesError) -> String {
        try command.run(["list", "table", family, table])
    }

    func read(_ ruleset: NFTRuleset) throws(NFTablesError) -> NFTReadBack? {
        let json: String
        do {
            // -s: stateless, so counters' figures never look like a change.
            json = try command.run(["-j", "-s", "list", "table", ruleset.family, ruleset.table])
        } catch let NFTablesError.rejected(message, _, _) where message.hasPrefix("Error:") && message.contains("No such file or directory") {
            return nil
        }
        return try NFTReadBack.parse(json, table: ruleset.table)
    }

    func run(_ lines: [String]) throws(NFTablesError) {
        _ = try command.run(["-f", "-"], input: lines.joined(separator: "\n") + "\n")
    }

    /// The elements read back must be the ones written; otherwise an element was not in nft's
    /// canonical form (or someone is changing the table as we write).
    func verify(_ desired: NFTRuleset, against readBack: NFTReadBack?, fingerprint: String?) throws(NFTablesError) {
        guard let readBack else { throw .mismatch("table \(desired.family) \(desired.table) is missing") }
        for set in desired.sets where readBack.setElements[set.name] ?? [] != set.elements {
            let have = readBack.setElements[set.name] ?? []
            throw .mismatch("set \(set.name): written \(set.elements.subtracting(have).sorted().prefix(3)), read back \(have.subtracting(set.elements).sorted().prefix(3))")
        }
        for map in desired.maps where readBack.mapElements[map.name] ?? [:] != map.elements {
            let have = readBack.mapElements[map.name] ?? [:]
            let written = map.elements.filter { have[$0.key] != $0.value }.map { "\($0.key) : \($0.value)" }.sorted().prefix(3)
            let read = have.filter { map.elements[$0.key] != $0.value }.map { "\($0.key) : \($0.value)" }.sorted().prefix(3)
            throw .mismatch("map \(map.name): written \(Array(written)), read back \(Array(read))")
        }
        if let fingerprint, fingerprint != readBack.fingerprint { throw .mismatch("the table's structure changed while its elements were written") }
    }

    /// `structure` with the elements the kernel holds.
    static func ruleset(_ structure: NFTRuleset, _ readBack: NFTReadBack) -> NFTRuleset {
        var ruleset = structure
        for index in ruleset.sets.indices { ruleset.sets[index].elements = readBack.setElements[ruleset.sets[index].name] ?? [] }
        for index in ruleset.maps.indices { ruleset.maps[index].elements = readBack.mapElements[ruleset.maps[index].name] ?? [:] }
        return ruleset
    }
}
