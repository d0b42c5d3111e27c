import LashupCRDT
import LashupLB

/// Where a task came from. Each source replaces only its own tasks.
public enum TaskSource: String, Sendable, Hashable, Comparable, CaseIterable, Codable {
    /// The Mesos operator API (a local Mesos agent's `GET_STATE`, or a master's `SUBSCRIBE`).
    case mesos
    /// A container runtime speaking the Docker Engine API (Docker, `podman system service`).
    case runtime
    /// Services registered through `lashup service register` or `/v1/agent/services`.
    case registered

    public static func < (lhs: TaskSource, rhs: TaskSource) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A task's identity: `(source, framework or namespace, task id)`.
public struct TaskKey: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var source: TaskSource
    /// The Mesos framework id, the runtime's namespace, or `registered`.
    public var group: String
    public var id: String

    public init(source: TaskSource, group: String, id: String) {
        self.source = source
        self.group = group
        self.id = id
    }

    public var description: String { "\(source.rawValue)/\(group)/\(id)" }

    public static func < (lhs: TaskKey, rhs: TaskKey) -> Bool {
        (lhs.source, lhs.group, lhs.id) < (rhs.source, rhs.group, rhs.id)
    }
}

/// Where a task is in its life. Terminal tasks are simply absent.
public enum TaskState: String, Sendable, Hashable, Codable {
    /// Serving: named in DNS, a backend at full weight (when healthy).
    case running
    /// Being stopped: out of DNS, its backends drained (weight 0) so existing connections end.
    case killing
}

/// What the task's health check says.
public enum TaskHealth: String, Sendable, Hashable, Codable {
    /// No health check: treated as healthy.
    case unknown
    case healthy
    /// Failing, or a check that has not answered yet: its backends are drained.
    case unhealthy
}

/// One port a task serves.
public struct TaskPort: Sendable, Hashable, Codable {
    /// The port's name (`http`), which SRV records use; nil when unnamed.
    public var name: String?
    public var transport: VIPProtocol
    /// The port inside the container (or the only port, for a task on the host network).
    public var containerPort: UInt16?
    /// The port on the agent that maps to it; set for host-port tasks.
    public var hostPort: UInt16?
    /// VIP labels on this port (`/web:80`, `web:80`, `10.0.0.1:80`, optionally with
    /// `tcp://` or `udp://`), from Mesos discovery-port labels, `VIP_PORT<n>` or `VIP_<n>`.
    public var vips: [String]

    enum CodingKeys: String, CodingKey {
        case name, transport = "protocol", containerPort = "container_port", hostPort = "host_port", vips
    }

    public init(name: String? = nil, transport: VIPProtocol = .tcp, containerPort: UInt16? = nil, hostPort: UInt16? = nil, vips: [String] = []) {
        self.name = name
        self.transport = transport
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.vips = vips
    }
}

/// A task as every source reports it: the one model DNS records and VIP backends derive from.
public struct TaskRecord: Sendable, Hashable {
    public var key: TaskKey
    /// The task's name (`discovery.name` or `name` for Mesos, the container's name).
    public var name: String
    /// The framework's name (`marathon`), or the runtime namespace.
    public var framework: String
    /// The IP of the host (agent) that runs it.
    public var agentIP: IPAddress?
    /// The task's own addresses (its container's), IPv4 and IPv6.
    public var addresses: [IPAddress]
    public var ports: [TaskPort]
    public var labels: [String: String]
    public var state: TaskState
    public var health: TaskHealth

    public init(key: TaskKey, name: String, framework: String, agentIP: IPAddress?, addresses: [IPAddress] = [], ports: [TaskPort] = [],
                labels: [String: String] = [:], state: TaskState = .running, health: TaskHealth = .unknown) {
        self.key = key
        self.name = name
        self.framework = framework
        self.agentIP = agentIP
        self.addresses = addresses
        self.ports = ports
        self.labels = labels
        self.state = state
        self.health = health
    }

    /// Whether any port is published on the agent (then `autoip` names the agent).
    public var hasHostPort: Bool { ports.contains { $0.hostPort != nil } }

    /// The backend weight its state and health give: 1 serving, 0 draining.
    public var backendWeight: UInt32 { state == .running && health != .unhealthy ? 1 : 0 }
}
