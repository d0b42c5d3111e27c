import LashupCRDT

/// A resolver queries are forwarded to: an IP address and a port (53 unless given).
public struct Upstream: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16 = 53) {
        self.address = address
        self.port = port
    }

    /// Parses `IP`, `IP:PORT`, `IPv6` or `[IPv6]:PORT`.
    public init(_ text: String) throws(DNSError) {
        var host = text
        var port: UInt16 = 53
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidRecord("upstream \(text): missing ]") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = UInt16(rest.dropFirst()), number > 0 else { throw .invalidRecord("upstream \(text): bad port") }
                port = number
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let number = UInt16(text[text.index(after: colon)...]), number > 0 else { throw .invalidRecord("upstream \(text): bad port") }
            port = number
        }
        guard let address = IPAddress(host) else { throw .invalidRecord("upstream \(text): not an IP address (names are not resolved)") }
        self.init(address: address, port: port)
    }

    public var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }
}

/// Names forwarded to their own resolvers: `ZONE=IP[:PORT]`.
public struct ForwardZone: Hashable, Sendable {
    public var zone: DomainName
    public var upstreams: [Upstream]

    public init(zone: DomainName, upstreams: [Upstream]) {
        self.zone = zone.lowercased
        self.upstreams = upstreams
    }
}
