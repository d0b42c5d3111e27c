import LashupCRDT

/// One record as the store and the CLI hold it: a line `<name> <TYPE> <data>`, for example
/// `web.dcos.thisdcos.directory A 10.0.0.5` or
/// `_http._tcp.web.dcos.thisdcos.directory SRV 0 1 80 web.dcos.thisdcos.directory`.
///
/// Names are absolute (a trailing dot is optional) and kept in lower case, so the same record
/// written twice in different case is one element of the zone's set.
public struct ZoneRecord: Hashable, Sendable, CustomStringConvertible {
    public var name: DomainName
    public var data: RecordData

    /// Types a zone in the store may hold.
    public static let supportedTypes: [RecordType] = [.a, .aaaa, .cname, .srv, .txt]

    public init(name: DomainName, data: RecordData) {
        self.name = name.lowercased
        self.data = data
    }

    /// Parses a record line (whitespace-separated fields).
    public init(line: String) throws(DNSError) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count >= 3 else { throw .invalidRecord("\"\(line)\": expected NAME TYPE DATA") }
        guard let type = RecordType(mnemonic: fields[1]) else { throw .invalidRecord("\"\(line)\": unknown type \(fields[1])") }
        try self.init(name: fields[0], type: type, data: Array(fields[2...]))
    }

    /// Builds a record from its fields, as `lashup dns add NAME TYPE VALUE…` takes them.
    public init(name: String, type: RecordType, data fields: [String]) throws(DNSError) {
        let owner = try DomainName(name)
        let shown = "\(name) \(type) \(fields.joined(separator: " "))"
        func one() throws(DNSError) -> String {
            guard fields.count == 1 else { throw .invalidRecord("\"\(shown)\": \(type) takes one value, not \(fields.count)") }
            return fields[0]
        }
        let data: RecordData
        switch type {
        case .a:
            guard let address = IPAddress(try one()), address.isIPv4 else { throw .invalidRecord("\"\(shown)\": not an IPv4 address") }
            data = .a(address)
        case .aaaa:
            guard let address = IPAddress(try one()), !address.isIPv4 else { throw .invalidRecord("\"\(shown)\": not an IPv6 address") }
            data = .aaaa(address)
        case .cname:
            data = .cname(try DomainName(try one()).lowercased)
        case .srv:
            guard fields.count == 4 else { throw .invalidRecord("\"\(shown)\": SRV takes PRIORITY WEIGHT PORT TARGET") }
            guard let priority = UInt16(fields[0]), let weight = UInt16(fields[1]), let port = UInt16(fields[2]) else {
                throw .invalidRecord("\"\(shown)\": SRV priority, weight and port must be numbers 0–65535")
            }
            data = .srv(ServiceLocation(priority: priority, weight: weight, port: port, target: try DomainName(fields[3]).lowercased))
        case .txt:
            let text = Array(fields.joined(separator: " ").utf8)
            guard text.count <= 255 else { throw .invalidRecord("\"\(shown)\": TXT longer than 255 bytes") }
            data = .txt([text])
        default:
            throw .invalidRecord("\"\(shown)\": type \(type) is not supported (A, AAAA, CNAME, SRV, TXT)")
        }
        self.init(name: owner, data: data)
    }

    /// The record line, the form stored and listed.
    public var description: String {
        let owner = name.relativeDescription
        switch data {
        case let .a(address), let .aaaa(address): return "\(owner) \(data.type) \(address)"
        case let .cname(target): return "\(owner) CNAME \(target.relativeDescription)"
        case let .srv(srv): return "\(owner) SRV \(srv.priority) \(srv.weight) \(srv.port) \(srv.target.relativeDescription)"
        case let .txt(strings): return "\(owner) TXT \(String(decoding: strings.joined(), as: UTF8.self))"
        default: return "\(owner) \(data.type)"
        }
    }
}
