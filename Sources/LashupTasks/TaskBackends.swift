import LashupCRDT
import LashupLB

/// One backend a task puts behind a VIP.
public struct TaskBackend: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var vip: VIPKey
    public var address: IPAddress
    public var port: UInt16
    public var weight: UInt32

    public init(vip: VIPKey, address: IPAddress, port: UInt16, weight: UInt32) {
        self.vip = vip
        self.address = address
        self.port = port
        self.weight = weight
    }

    /// The backend without its weight: what the store keys it on.
    public var endpoint: Endpoint { Endpoint(vip: vip, address: address, port: port) }

    public struct Endpoint: Sendable, Hashable, Comparable {
        public var vip: VIPKey
        public var address: IPAddress
        public var port: UInt16

        public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool { (lhs.vip, lhs.address, lhs.port) < (rhs.vip, rhs.address, rhs.port) }
    }

    public var description: String { "\(vip) → \(address.isIPv4 ? address.description : "[\(address)]"):\(port) weight \(weight)" }

    public static func < (lhs: TaskBackend, rhs: TaskBackend) -> Bool { (lhs.endpoint, lhs.weight) < (rhs.endpoint, rhs.weight) }
}

/// The VIP backends tasks produce, by the original's rules.
///
/// - Each VIP label of a port (a Mesos discovery-port label beginning `VIP`/`vip`, a
///   `VIP_PORT<n>` task label for the n-th port, or a runtime's `VIP_<n>` label) names a VIP:
///   an address, or a name that becomes `<name>.<framework>` in `l4lb.thisdcos.directory`.
/// - A host-port task's backend is the agent's IP and the host port; otherwise each task IP of
///   the VIP's address family, with the container port (or the VIP's port, for a runtime
///   container that published none).
/// - Weight 1 while running and not unhealthy, 0 while killing or unhealthy (drain).
public enum TaskBackends {
    /// The backends `task` produces, and the labels that did not parse (for the caller to
    /// log and count; they never stop the task's other VIPs).
    public static func backends(for task: TaskRecord) -> (backends: [TaskBackend], rejected: [VIPLabelError]) {
        var backends: Set<TaskBackend> = []
        var rejected: [VIPLabelError] = []
        for port in task.ports {
            for label in port.vips {
                let vip: VIPKey
                do {
                    vip = try parse(label, transport: port.transport, framework: task.framework)
                } catch {
                    rejected.append(error)
                    continue
                }
                for (address, number) in targets(of: task, port: port, vip: vip) {
                    backends.insert(TaskBackend(vip: vip, address: address, port: number, weight: task.backendWeight))
                }
            }
        }
        return (backends.sorted(), rejected)
    }

    /// A VIP label, with or without `tcp://`/`udp://` (without: the port's own protocol).
    static func parse(_ label: String, transport: VIPProtocol, framework: String) throws(VIPLabelError) -> VIPKey {
        if label.contains("://") { return try VIPLabel.parseWithProtocol(label, framework: framework) }
        let (target, port) = try VIPLabel.parse(label, framework: framework)
        return VIPKey(transport, target, port: port)
    }

    static func targets(of task: TaskRecord, port: TaskPort, vip: VIPKey) -> [(IPAddress, UInt16)] {
        let family: Bool? = if case let .address(address) = vip.target { address.isIPv4 } else { nil }
        func fits(_ address: IPAddress) -> Bool { family.map { $0 == address.isIPv4 } ?? true }
        if let hostPort = port.hostPort, hostPort > 0 {
            guard let agent = task.agentIP, fits(agent) else { return [] }
            return [(agent, hostPort)]
        }
        let number = port.containerPort.flatMap { $0 > 0 ? $0 : nil } ?? vip.port
        // A task on the host network has no addresses of its own: it serves on the agent's.
        let addresses = task.addresses.isEmpty ? (task.agentIP.map { [$0] } ?? []) : task.addresses
        return addresses.filter(fits).map { ($0, number) }
    }
}
