import LashupCRDT
import LashupCluster
import LashupDNS
import LashupLB

/// A service registered with this agent (`lashup service register`, `PUT /v1/agent/services`),
/// in the spirit of Consul's agent services: it lives on the agent that registered it, whose
/// checks drive its health.
public struct RegisteredService: Sendable, Hashable, Codable {
    /// Unique on this agent; defaults to the name.
    public var id: String
    public var name: String
    /// The namespace its names and named VIPs take (`web.<namespace>.l4lb.thisdcos.directory`).
    public var namespace: String
    public var address: String
    public var port: UInt16
    public var transport: VIPProtocol
    /// VIP labels (`/web:80`, `10.0.0.1:80`…) this service is a backend of.
    public var vips: [String]
    public var check: ServiceCheck?

    enum CodingKeys: String, CodingKey { case id, name, namespace, address, port, transport = "protocol", vips, check }

    /// Reads a registration; only `name`, `address` and `port` are required.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? name
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace) ?? Self.defaultNamespace
        address = try container.decode(String.self, forKey: .address)
        port = try container.decode(UInt16.self, forKey: .port)
        transport = try container.decodeIfPresent(VIPProtocol.self, forKey: .transport) ?? .tcp
        vips = try container.decodeIfPresent([String].self, forKey: .vips) ?? []
        check = try container.decodeIfPresent(ServiceCheck.self, forKey: .check)
    }

    public static let defaultNamespace = "services"
    /// Most services one agent holds.
    public static let maximumCount = 1_000

    public init(id: String? = nil, name: String, namespace: String = Self.defaultNamespace, address: String, port: UInt16,
                transport: VIPProtocol = .tcp, vips: [String] = [], check: ServiceCheck? = nil) {
        self.id = id ?? name
        self.name = name
        self.namespace = namespace
        self.address = address
        self.port = port
        self.transport = transport
        self.vips = vips
        self.check = check
    }

    /// Every problem with it, in words naming the field; empty when it is valid.
    public var problems: [String] {
        var problems: [String] = []
        if id.isEmpty || id.utf8.count > 128 || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            problems.append("id \"\(id.prefix(130))\": 1 to 128 letters, digits, '-', '_' or '.'")
        }
        if name.isEmpty || name.utf8.count > 63 || LabelSanitising.label(name).isEmpty { problems.append("name \"\(name.prefix(70))\": 1 to 63 characters with a letter or digit") }
        if namespace.isEmpty || namespace.utf8.count > 63 || LabelSanitising.label(namespace).isEmpty {
            problems.append("namespace \"\(namespace.prefix(70))\": 1 to 63 characters with a letter or digit")
        }
        if IPAddress(address) == nil { problems.append("address \"\(address.prefix(80))\" is not an IP address") }
        if port == 0 { problems.append("port must be 1 to 65535") }
        if vips.count > 16 { problems.append("at most 16 VIPs, not \(vips.count)") }
        for vip in vips {
            do { _ = try TaskBackends.parse(vip, transport: transport, framework: namespace) } catch { problems.append("\(error)") }
        }
        if let check { problems += check.problems }
        return problems
    }

    /// The task it is, with `health` from its check.
    func task(health: TaskHealth, agentIP: IPAddress?) -> TaskRecord? {
        guard let address = IPAddress(address) else { return nil }
        // A service on the agent's own address serves "on the host": autoip names the agent.
        let port = TaskPort(name: nil, transport: transport, containerPort: port, hostPort: nil, vips: vips)
        return TaskRecord(key: TaskKey(source: .registered, group: namespace, id: id), name: name, framework: namespace, agentIP: agentIP,
                          addresses: [address], ports: [port], labels: [:], state: .running, health: health)
    }
}

/// How the agent checks a registered service.
public struct ServiceCheck: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case tcp, http }

    public var kind: Kind
    /// `host:port` for TCP (default: the service's address and port); a URL for HTTP.
    public var target: String?
    public var intervalMilliseconds: Int
    public var timeoutMilliseconds: Int

    enum CodingKeys: String, CodingKey { case kind, target, intervalMilliseconds = "interval_ms", timeoutMilliseconds = "timeout_ms" }

    /// Reads a check; only `kind` is required (interval 10 s, timeout 2 s or the interval).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        target = try container.decodeIfPresent(String.self, forKey: .target)
        intervalMilliseconds = try container.decodeIfPresent(Int.self, forKey: .intervalMilliseconds) ?? 10_000
        timeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .timeoutMilliseconds) ?? min(2_000, intervalMilliseconds)
    }

    /// - Parameter timeoutMilliseconds: default 2 s, or the interval when that is shorter.
    public init(kind: Kind, target: String? = nil, intervalMilliseconds: Int = 10_000, timeoutMilliseconds: Int? = nil) {
        self.kind = kind
        self.target = target
        self.intervalMilliseconds = intervalMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds ?? min(2_000, intervalMilliseconds)
    }

    public var problems: [String] {
        var problems: [String] = []
        if !(100...3_600_000).contains(intervalMilliseconds) { problems.append("check interval \(intervalMilliseconds) ms: 100 ms to 1 h") }
        if !(50...60_000).contains(timeoutMilliseconds) { problems.append("check timeout \(timeoutMilliseconds) ms: 50 ms to 60 s") }
        if timeoutMilliseconds > intervalMilliseconds { problems.append("check timeout \(timeoutMilliseconds) ms is longer than its interval") }
        if kind == .http, !(target?.hasPrefix("http://") ?? false) { problems.append("an HTTP check needs an http:// URL") }
        if kind == .tcp, let target, HostPort.parse(target).flatMap({ IPAddress($0.host) }) == nil {
            problems.append("TCP check target \"\(target.prefix(80))\" is not IP:PORT")
        }
        return problems
    }
}
