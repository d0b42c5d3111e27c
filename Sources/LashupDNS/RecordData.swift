import LashupCRDT

/// The data of a resource record, by type. Types we do not interpret keep their bytes as-is
/// (RFC 3597), so forwarded answers pass through unchanged.
public enum RecordData: Hashable, Sendable {
    case a(IPAddress)
    case aaaa(IPAddress)
    case cname(DomainName)
    case ns(DomainName)
    case ptr(DomainName)
    case soa(StartOfAuthority)
    case srv(ServiceLocation)
    /// Character strings of at most 255 bytes each.
    case txt([[UInt8]])
    case unknown(type: RecordType, bytes: [UInt8])

    /// The record type this data belongs to.
    public var type: RecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .cname: .cname
        case .ns: .ns
        case .ptr: .ptr
        case .soa: .soa
        case .srv: .srv
        case .txt: .txt
        case let .unknown(type, _): type
        }
    }

    /// This data with every embedded name under `suffix` moved under `replacement` (used when
    /// a query is answered under a renamed zone and the answer renamed back).
    func replacingSuffix(_ suffix: DomainName, with replacement: DomainName) -> RecordData {
        func move(_ name: DomainName) -> DomainName { name.replacingSuffix(suffix, with: replacement) ?? name }
        switch self {
        case let .cname(name): return .cname(move(name))
        case let .ns(name): return .ns(move(name))
        case let .ptr(name): return .ptr(move(name))
        case var .soa(soa):
            soa.primary = move(soa.primary)
            soa.mailbox = move(soa.mailbox)
            return .soa(soa)
        case var .srv(srv):
            srv.target = move(srv.target)
            return .srv(srv)
        default: return self
        }
    }
}

/// SOA data (RFC 1035 §3.3.13).
public struct StartOfAuthority: Hashable, Sendable {
    public var primary: DomainName
    public var mailbox: DomainName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// Negative-caching TTL (RFC 2308 §4).
    public var minimum: UInt32

    public init(primary: DomainName, mailbox: DomainName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
        self.primary = primary
        self.mailbox = mailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// SRV data (RFC 2782).
public struct ServiceLocation: Hashable, Sendable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: DomainName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DomainName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// One resource record.
public struct ResourceRecord: Hashable, Sendable {
    public var name: DomainName
    public var recordClass: RecordClass
    public var ttl: UInt32
    public var data: RecordData

    public var type: RecordType { data.type }

    public init(name: DomainName, recordClass: RecordClass = .internet, ttl: UInt32, data: RecordData) {
        self.name = name
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }
}

/// A question (RFC 1035 §4.1.2).
public struct Question: Hashable, Sendable {
    public var name: DomainName
    public var type: RecordType
    public var recordClass: RecordClass

    public init(name: DomainName, type: RecordType, recordClass: RecordClass = .internet) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }
}
