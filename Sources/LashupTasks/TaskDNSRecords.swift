import LashupCRDT
import LashupDNS

/// The DNS records tasks produce, as the original named them, in the store's record-line form.
///
/// For a running task named `<task>.<framework>` (each piece sanitised by the original's rule):
/// - `<task>.<framework>.agentip.dcos.thisdcos.directory` → the agent's IP;
/// - `….containerip.…` → every task IP (A and AAAA);
/// - `….autoip.…` → the agent's IP if any port is a host port, else the task IPs (the agent's
///   IP when the task has none);
/// - for each named port, `_<port>._<tcp|udp>.<task>.<framework>.<kind>.…` SRV records whose
///   port fits the kind's address: the host port for `agentip`, the container port for
///   `containerip`, and for `autoip` whichever `autoip` names.
/// Killing tasks have none (the original's `is_running`). Several tasks producing one record
/// produce it once: the result is a set, so a record stays while any task still makes it.
public enum TaskDNSRecords {
    /// The zone task records live in.
    public static let zone = "dcos.thisdcos.directory"

    /// The record lines `task` produces.
    public static func lines(for task: TaskRecord) -> Set<String> {
        guard task.state == .running else { return [] }
        let taskLabel = LabelSanitising.label(task.name)
        let frameworkLabel = LabelSanitising.label(task.framework)
        guard !taskLabel.isEmpty, !frameworkLabel.isEmpty else { return [] }
        let base = "\(taskLabel).\(frameworkLabel)"
        var lines = Set<String>()
        let agent = task.agentIP.map { [$0] } ?? []
        let autoAddresses = task.hasHostPort || task.addresses.isEmpty ? agent : task.addresses
        for (kind, addresses) in [("agentip", agent), ("containerip", task.addresses), ("autoip", autoAddresses)] {
            let owner = "\(base).\(kind).\(zone)"
            // A name longer than DNS allows would be refused by every reader: leave it out.
            guard owner.utf8.count <= 253 else { continue }
            for address in addresses { lines.insert(addressLine(owner, address)) }
            guard !addresses.isEmpty else { continue }
            for port in task.ports {
                guard let name = port.name.map(LabelSanitising.label), !name.isEmpty else { continue }
                let number: UInt16? = switch kind {
                case "agentip": port.hostPort
                case "containerip": port.containerPort
                default: task.hasHostPort ? port.hostPort : port.containerPort
                }
                guard let number, number > 0 else { continue }
                let service = "_\(name)._\(port.transport.rawValue).\(owner)"
                guard service.utf8.count <= 253 else { continue }
                lines.insert("\(service) SRV 0 1 \(number) \(owner)")
            }
        }
        return lines
    }

    /// The record lines of every task in `tasks`.
    public static func lines<Tasks: Sequence>(for tasks: Tasks) -> Set<String> where Tasks.Element == TaskRecord {
        tasks.reduce(into: Set<String>()) { $0.formUnion(lines(for: $1)) }
    }

    static func addressLine(_ owner: String, _ address: IPAddress) -> String {
        "\(owner) \(address.isIPv4 ? "A" : "AAAA") \(address)"
    }
}
