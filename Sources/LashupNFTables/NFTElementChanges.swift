/// Element deletions and additions for a table whose structure is already in the kernel:
/// by set or map name, set elements as they are and map entries as `key : value` (deletions
/// give a map entry's key alone). Sent as one transaction, deletions first, so a map entry
/// whose value changes is deleted and added again atomically.
public struct NFTElementChanges: Sendable, Equatable {
    public var deletions: [String: [String]]
    public var additions: [String: [String]]

    public init(deletions: [String: [String]] = [:], additions: [String: [String]] = [:]) {
        self.deletions = deletions
        self.additions = additions
    }

    public var isEmpty: Bool { deletions.values.allSatisfy(\.isEmpty) && additions.values.allSatisfy(\.isEmpty) }

    /// The transaction's lines for table `family name`.
    func lines(family: String, table: String) -> [String] {
        let name = "\(family) \(table)"
        var lines: [String] = []
        for (container, elements) in deletions.sorted(by: { $0.key < $1.key }) where !elements.isEmpty {
            lines += NFTRendering.statements("delete element \(name) \(container)", elements.sorted())
        }
        for (container, elements) in additions.sorted(by: { $0.key < $1.key }) where !elements.isEmpty {
            lines += NFTRendering.statements("add element \(name) \(container)", elements.sorted())
        }
        return lines
    }
}
