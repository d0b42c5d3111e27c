import LashupCRDT
import LashupLB

extension MesosTaskTable {
    /// The record a stored task yields (nil unless running or killing), and what of it was
    /// skipped (a port that is no port, a `VIP_PORT<n>` for a port the task does not have).
    func record(key: TaskKey, _ entry: Entry) -> (record: TaskRecord?, problems: [MesosProblem]) {
        let state: TaskState
        switch MesosTaskPhase(entry.state) {
        case .running: state = .running
        case .killing: state = .killing
        case .pending, .terminal, .unknown: return (nil, [])
        }
        let task = entry.task
        var problems: [MesosProblem] = []
        let networks = entry.status?.containerStatus?.networkInfos ?? []
        let hostNetwork = Self.isOnHostNetwork(task, statusNetworks: networks)
        var addresses: [IPAddress] = []
        // On the host network the status reports the agent's address: the task has none of
        // its own (so `containerip` names nothing and backends use the agent's address).
        if !hostNetwork {
            for text in networks.flatMap({ $0.ipAddresses ?? [] }).compactMap(\.ipAddress) {
                guard let address = IPAddress(text) else {
                    problems.append(MesosProblem("bad_address", "task \(key.id): \"\(text)\" is not an IP address"))
                    continue
                }
                if !addresses.contains(address) { addresses.append(address) }
            }
        }
        var labels: [String: String] = [:]
        for label in task.labels?.labels ?? [] { labels[label.key] = label.value ?? "" }
        var groups = MesosPorts.merge(task: task, statusNetworks: networks, hostNetwork: hostNetwork, problems: &problems, taskID: key.id)
        // `VIP_PORT<n>` names the VIP of the task's n-th port: the n-th discovery port (one per
        // protocol it lists), counted even when it has no number yet, as the framework counts.
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) where name.hasPrefix("VIP_PORT") {
            guard let index = Int(name.dropFirst("VIP_PORT".count)), groups.indices.contains(index), !groups[index].isEmpty else {
                problems.append(MesosProblem("bad_label", "task \(key.id): label \(name) names a port the task does not have"))
                continue
            }
            let transport = value.lowercased().hasPrefix("udp://") ? VIPProtocol.udp : .tcp
            let slot = groups[index].firstIndex { $0.transport == transport } ?? 0
            groups[index][slot].vips.append(value)
        }
        let ports = groups.flatMap { $0 }
        let health: TaskHealth = switch entry.status?.healthy {
        case true?: .healthy
        case false?: .unhealthy
        // A check that has not answered yet must not receive traffic.
        case nil: task.healthCheck != nil ? .unhealthy : .unknown
        }
        let name = task.discovery?.name.flatMap { $0.isEmpty ? nil : $0 } ?? task.name
        let agentIP = task.agentId.flatMap { agents[$0.value] }.flatMap { $0 }
        let record = TaskRecord(key: key, name: name, framework: frameworks[key.group] ?? key.group, agentIP: agentIP, addresses: addresses,
                                ports: ports, labels: labels, state: state, health: health)
        return (record, problems)
    }

    /// Whether the task shares the agent's network: Docker's `HOST` network, or a Mesos
    /// container joined to no named network (pods declare theirs on the executor, so the
    /// status's networks are consulted too).
    static func isOnHostNetwork(_ task: MesosJSON.Task, statusNetworks: [MesosJSON.NetworkInfo]) -> Bool {
        if let network = task.container?.docker?.network { return network.uppercased() == "HOST" }
        let declared = task.container?.networkInfos ?? []
        if declared.contains(where: { $0.name != nil }) || statusNetworks.contains(where: { $0.name != nil }) { return false }
        return true
    }
}

/// Merges a Mesos task's port mappings and discovery ports into `TaskPort`s.
enum MesosPorts {
    struct Mapping: Equatable {
        var hostPort: UInt16?
        var containerPort: UInt16?
        var transport: VIPProtocol
        var claimed = false
    }

    /// One group per discovery port, in their order (a port per protocol it lists, each joined
    /// with the mapping it names; none for a port without a number), then one per mapping no
    /// discovery port named. `VIP_PORT<n>` indexes the groups.
    static func merge(task: MesosJSON.Task, statusNetworks: [MesosJSON.NetworkInfo], hostNetwork: Bool,
                      problems: inout [MesosProblem], taskID: String) -> [[TaskPort]] {
        var mappings: [Mapping] = []
        let declared = (task.container?.docker?.portMappings ?? []) + (task.container?.networkInfos ?? []).flatMap { $0.portMappings ?? [] }
            + statusNetworks.flatMap { $0.portMappings ?? [] }
        for mapping in declared {
            let host = port(mapping.hostPort, "host_port", taskID, &problems)
            let container = port(mapping.containerPort, "container_port", taskID, &problems)
            guard host != nil || container != nil else { continue }
            for transport in transports(mapping.protocol, taskID, &problems) {
                let candidate = Mapping(hostPort: host, containerPort: container, transport: transport)
                if !mappings.contains(candidate) { mappings.append(candidate) }
            }
        }
        var groups: [[TaskPort]] = []
        for discovered in task.discovery?.ports?.ports ?? [] {
            // Mesos writes 0 for a port the task has not been given (`default` on a
            // container network): nothing to publish.
            guard let number = port(discovered.number, "discovery port", taskID, &problems) else {
                groups.append([])
                continue
            }
            var group: [TaskPort] = []
            let labels = discovered.labels?.labels ?? []
            let scope = labels.first { $0.key == "network-scope" }?.value
            let vips = labels.filter { $0.key.hasPrefix("VIP") || $0.key.hasPrefix("vip") }.compactMap(\.value)
            for transport in transports(discovered.protocol, taskID, &problems) {
                var result = TaskPort(name: discovered.name.flatMap { $0.isEmpty ? nil : $0 }, transport: transport, vips: vips)
                func claim(_ matches: (Mapping) -> Bool) -> Mapping? {
                    guard let index = mappings.firstIndex(where: { !$0.claimed && $0.transport == transport && matches($0) }) else { return nil }
                    mappings[index].claimed = true
                    return mappings[index]
                }
                switch scope {
                case "host":
                    result.hostPort = number
                    result.containerPort = claim { $0.hostPort == number }?.containerPort
                case "container":
                    result.containerPort = number
                    result.hostPort = claim { $0.containerPort == number }?.hostPort
                default:
                    if let mapping = claim({ $0.hostPort == number }) {
                        result.hostPort = number
                        result.containerPort = mapping.containerPort
                    } else if let mapping = claim({ $0.containerPort == number }) {
                        result.containerPort = number
                        result.hostPort = mapping.hostPort
                    } else if hostNetwork {
                        result.hostPort = number
                    } else {
                        result.containerPort = number
                    }
                }
                group.append(result)
            }
            groups.append(group)
        }
        for mapping in mappings where !mapping.claimed {
            groups.append([TaskPort(transport: mapping.transport, containerPort: mapping.containerPort, hostPort: mapping.hostPort)])
        }
        return groups
    }

    /// A port number, nil for absent or 0; out of range is reported.
    static func port(_ value: Int?, _ what: String, _ taskID: String, _ problems: inout [MesosProblem]) -> UInt16? {
        guard let value, value != 0 else { return nil }
        guard let number = UInt16(exactly: value) else {
            problems.append(MesosProblem("bad_port", "task \(taskID): \(what) \(value) is not a port number"))
            return nil
        }
        return number
    }

    /// `tcp`, `udp`, or both (`tcp,udp`); absent means tcp.
    static func transports(_ text: String?, _ taskID: String, _ problems: inout [MesosProblem]) -> [VIPProtocol] {
        guard let text, !text.isEmpty else { return [.tcp] }
        var result: [VIPProtocol] = []
        for piece in text.lowercased().split(separator: ",") {
            guard let transport = VIPProtocol(rawValue: piece.filter { $0 != " " }) else {
                problems.append(MesosProblem("bad_port", "task \(taskID): protocol \"\(piece)\" is neither tcp nor udp"))
                continue
            }
            if !result.contains(transport) { result.append(transport) }
        }
        return result
    }
}
