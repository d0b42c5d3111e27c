/// One authoritative zone: its apex and records, indexed for lookup. Immutable once built.
public struct Zone: Sendable {
    /// TTL of A, AAAA, SRV, CNAME and TXT answers, and of the SOA (the original's values).
    public static let recordTTL: UInt32 = 5
    /// TTL of the apex NS record.
    public static let nameServerTTL: UInt32 = 3600
    /// The name server every zone names: `ns.spartan`.
    public static let nameServer = try! DomainName("ns.spartan")
    static let mailbox = try! DomainName("support.spartan")

    public let apex: DomainName
    /// Records by owner name (names compare without case).
    let records: [DomainName: [RecordData]]
    /// Every owner name plus every name between an owner and the apex (empty non-terminals),
    /// which exist and so answer NODATA rather than NXDOMAIN (RFC 8020).
    let names: Set<DomainName>
    public let serial: UInt32

    /// Builds a zone. Records not under `apex` are left out, and so is everything beside a
    /// name's CNAME (the one with the smallest text is kept).
    public init(apex: DomainName, records list: [ZoneRecord], serial: UInt32) {
        self.apex = apex.lowercased
        self.serial = serial
        // Each record's text is its sort key, computed once: one order on every node, so `none`
        // ordering and the CNAME kept below are the same everywhere.
        var keyed: [DomainName: [(key: String, data: RecordData)]] = [:]
        var names: Set<DomainName> = [apex]
        for record in list where record.name.isSubdomain(of: apex) {
            keyed[record.name, default: []].append((record.description, record.data))
            var name = record.name
            while name != apex, names.insert(name).inserted { name = name.droppingFirst(1) }
        }
        var records: [DomainName: [RecordData]] = [:]
        for (name, entries) in keyed {
            var sorted = entries.sorted { $0.key < $1.key }
            if sorted.count > 1, let cname = sorted.first(where: { $0.data.type == .cname }) {
                sorted = [cname]  // RFC 1034 §3.6.2: a CNAME owner has no other data
            }
            records[name] = sorted.map(\.data)
        }
        self.records = records
        self.names = names
    }

    /// The zone's SOA record.
    public var soa: ResourceRecord {
        ResourceRecord(name: apex, ttl: Self.recordTTL, data: .soa(StartOfAuthority(
            primary: Self.nameServer, mailbox: Self.mailbox, serial: serial,
            refresh: 60, retry: 180, expire: 86_400, minimum: 1
        )))
    }

    /// The zone's NS record.
    public var nameServerRecord: ResourceRecord {
        ResourceRecord(name: apex, ttl: Self.nameServerTTL, data: .ns(Self.nameServer))
    }

    /// What the zone says about `name`.
    public enum Lookup: Equatable, Sendable {
        /// Records of the type asked (possibly none: NODATA).
        case records([RecordData])
        /// The name is an alias.
        case alias(DomainName)
        /// The name does not exist.
        case noSuchName
    }

    /// Looks `name` up for `type` (`ANY` returns everything at the name).
    public func lookup(_ name: DomainName, type: RecordType) -> Lookup {
        var data = records[name] ?? []
        if name == apex {
            data.append(.soa(StartOfAuthority(primary: Self.nameServer, mailbox: Self.mailbox, serial: serial, refresh: 60, retry: 180, expire: 86_400, minimum: 1)))
            data.append(.ns(Self.nameServer))
        }
        if let first = data.first, case let .cname(target) = first, type != .cname {
            return .alias(target)
        }
        guard !data.isEmpty || names.contains(name) else { return .noSuchName }
        return .records(type == .any ? data : data.filter { $0.type == type })
    }

    /// TTL of a record of this zone.
    static func ttl(_ data: RecordData) -> UInt32 {
        if case .ns = data { return nameServerTTL }
        return recordTTL
    }

    /// Number of records held (apex SOA and NS not counted).
    public var recordCount: Int { records.values.reduce(0) { $0 + $1.count } }

    /// Every record, sorted by owner name then data.
    public var allRecords: [ZoneRecord] {
        records.flatMap { name, data in data.map { ZoneRecord(name: name, data: $0) } }.sorted { $0.description < $1.description }
    }
}
