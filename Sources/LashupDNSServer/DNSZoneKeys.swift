import LashupCRDT
import LashupStore

/// Where DNS zones live in the replicated store, defined once: key `["dns","zones",<zone>]`
/// holds zone `<zone>` (its apex without the trailing dot), field `records` an OR-set of
/// record lines, so concurrent writers never lose each other's records.
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

    /// The record lines of a zone key's value (absent or deleted: none).
    public static func records(_ value: Causal<ORMap>?) -> [String] {
        guard let value else { return [] }
        return value.store.set(recordsField).compactMap { if case let .string(line) = $0 { line } else { nil } }
    }

    /// The operations adding (or, with `remove`, removing) one record line.
    public static func operations(adding line: String) -> [MapOperation] { [.update(recordsField, .add(.string(line)))] }
    public static func operations(removing line: String) -> [MapOperation] { [.update(recordsField, .remove(.string(line)))] }
}
