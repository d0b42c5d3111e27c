import LashupCRDT
import LashupStore

/// Where DNS zones live in the replicated store, defined once: key `["dns","zones",<zone>]`
/// holds zone `<zone>` (its apex without the trailing dot), field `records` an OR-set of
/// record lines, so concurrent writers never lose each other's records.
///
/// A publisher that derives its records (an agent publishing its tasks' names) writes its own
/// set field `("records", <publisher>)` instead: removing a line there never removes the same
/// line another agent publishes for its own task, so a record shared by tasks on several hosts
/// stays while any of them runs. The zone is the union of every such field.
public enum DNSZoneKeys {
    /// Every zone key.
    public static let pattern = try! KeyPattern(["dns", "zones", "*"])
    /// The name of the set field holding the zone's record lines.
    public static let recordsFieldName = "records"
    public static let recordsField: Value = .string(recordsFieldName)

    /// The key of zone `zone` (for example `marathon.thisdcos.directory`).
    public static func key(zone: String) throws(StoreError) -> Key { try Key(["dns", "zones", zone]) }

    /// The same key as a REST path (`dns/zones/<zone>`), for the CLI.
    public static func path(zone: String) -> String { "dns/zones/\(zone)" }

    /// The zone a key holds, or nil when it is not a zone key.
    public static func zone(of key: Key) -> String? {
        pattern.matches(key) && key.segments.count == 3 ? key.segments[2] : nil
    }

    /// The record lines of a zone key's value, every publisher's together, each once (absent
    /// or deleted: none).
    public static func records(_ value: Causal<ORMap>?) -> [String] {
        guard let value else { return [] }
        var seen = Set<String>()
        var lines: [String] = []
        for field in value.store.keys where field.type == .set && (field.name == recordsField || publisher(of: field.name) != nil) {
            for case let .string(line) in value.store.set(field.name) where seen.insert(line).inserted { lines.append(line) }
        }
        return lines
    }

    /// The field a derived publisher owns.
    public static func recordsField(publisher: String) -> Value { .tuple([recordsField, .string(publisher)]) }

    /// The record lines `publisher` holds in a zone key's value.
    public static func records(_ value: Causal<ORMap>?, publisher: String) -> Set<String> {
        guard let value else { return [] }
        return Set(value.store.set(recordsField(publisher: publisher)).compactMap { if case let .string(line) = $0 { line } else { nil } })
    }

    static func publisher(of field: Value) -> String? {
        guard case let .tuple(parts) = field, parts.count == 2, parts[0] == recordsField, case let .string(name) = parts[1] else { return nil }
        return name
    }

    /// The operations adding (or, with `remove`, removing) one record line.
    public static func operations(adding line: String) -> [MapOperation] { [.update(recordsField, .add(.string(line)))] }
    public static func operations(removing line: String) -> [MapOperation] { [.update(recordsField, .remove(.string(line)))] }

    /// The operations changing `publisher`'s own lines.
    public static func operations(publisher: String, adding added: Set<String>, removing removed: Set<String>) -> [MapOperation] {
        let field = recordsField(publisher: publisher)
        return added.sorted().map { .update(field, .add(.string($0))) } + removed.sorted().map { .update(field, .remove(.string($0))) }
    }
}
