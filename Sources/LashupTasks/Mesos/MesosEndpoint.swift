/// Where a Mesos operator API lives: `http://<host>:<port><path>` (path `/api/v1`).
public struct MesosEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// An IP address or a host name (an IPv6 address without brackets).
    public var host: String
    public var port: Int
    /// The operator API's path, `/api/v1` unless a redirect says otherwise.
    public var path: String

    public init(host: String, port: Int, path: String = "/api/v1") {
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `http://host:port[/path]`, `//host:port[/path]` (the form Mesos puts in a
    /// redirect's `Location`) or `host:port[/path]`; an IPv6 host is bracketed. Without a path
    /// the operator API's `/api/v1` is meant; without a port, Mesos's master port 5050.
    /// Nil for anything else (`https`, no host, a port out of range).
    public init?(url text: String, defaultPort: Int = 5050) {
        var rest = Substring(text)
        if rest.hasPrefix("http://") {
            rest = rest.dropFirst("http://".count)
        } else if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
        } else if rest.contains("://") {
            return nil
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        var port = defaultPort
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else { return nil }
            port = number
        }
        self.init(host: String(host), port: port, path: path.isEmpty ? "/api/v1" : String(path))
    }

    /// The endpoint a redirect's `Location` names, read relative to this one: a full or
    /// scheme-relative URL names another host; an absolute path stays on this host.
    public func resolving(_ location: String) -> MesosEndpoint? {
        if location.hasPrefix("/"), !location.hasPrefix("//") {
            return MesosEndpoint(host: host, port: port, path: location)
        }
        return MesosEndpoint(url: location, defaultPort: port)
    }

    /// `host:port` as a `Host` header wants it (an IPv6 host bracketed).
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String { "http://\(authority)\(path)" }
}
