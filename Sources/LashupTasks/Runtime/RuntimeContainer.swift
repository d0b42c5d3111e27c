import Foundation
import LashupCRDT
import LashupLB

/// Reads a container as the Docker Engine API's inspect (`GET /containers/{id}/json`) shows
/// it, and turns it into a task.
///
/// - name: the label `lashup.name`, else compose's `com.docker.compose.service`, else the
///   container's name;
/// - namespace (the framework of its names): `lashup.namespace`, else compose's project, else
///   the agent's `--runtime-namespace`;
/// - addresses: every network's IPv4 and global IPv6 address (none on the host network, where
///   its ports are the agent's);
/// - ports: the published ones (`80/tcp` → host port 8080), in order of container port, then
///   protocol; `VIP_<n>` or `VIP_PORT<n>` labels name VIPs for the n-th; a VIP label past the
///   ports a container publishes adds a port of its own, served on the VIP's port;
/// - health: the runtime's health check (`starting` counts as unhealthy: no result yet);
/// - state: killing while podman stops it (`stopping`), so its backends drain until it exits.
public enum RuntimeContainer {
    /// Labels kept per task (the rest are left out of the published task).
    public static let maximumLabels = 64

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The task `inspect` describes, or nil when the container is not running.
    public static func task(inspect: Any, namespace defaultNamespace: String, agentIP: IPAddress?) throws(ParseError) -> TaskRecord? {
        guard let container = inspect as? [String: Any], let id = container["Id"] as? String, !id.isEmpty else {
            throw ParseError(description: "an inspected container without an Id")
        }
        let state = container["State"] as? [String: Any] ?? [:]
        // Podman says "stopping" (and Running false) from the stop's first signal until the
        // process exits: the task is killing then, its backends drained, not yet gone.
        let stopping = (state["Status"] as? String) == "stopping"
        let running = (state["Running"] as? Bool) ?? ((state["Status"] as? String) == "running")
        guard running || stopping else { return nil }
        let config = container["Config"] as? [String: Any] ?? [:]
        let labels = (config["Labels"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        let rawName = (container["Name"] as? String).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? String(id.prefix(12))
        let name = labels["lashup.name"] ?? labels["com.docker.compose.service"] ?? rawName
        let namespace = labels["lashup.namespace"] ?? labels["com.docker.compose.project"] ?? defaultNamespace
        let network = container["NetworkSettings"] as? [String: Any] ?? [:]

        var addresses: [IPAddress] = []
        func add(_ text: Any?) {
            guard let text = text as? String, let address = IPAddress(text), !addresses.contains(address) else { return }
            addresses.append(address)
        }
        add(network["IPAddress"])
        add(network["GlobalIPv6Address"])
        for (_, value) in (network["Networks"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let attachment = value as? [String: Any] ?? [:]
            add(attachment["IPAddress"])
            add(attachment["GlobalIPv6Address"])
        }

        var ports: [TaskPort] = []
        for (spec, bindings) in network["Ports"] as? [String: Any] ?? [:] {
            let pieces = spec.split(separator: "/")
            guard let number = pieces.first.flatMap({ UInt16($0) }) else { continue }
            let transport = pieces.count > 1 ? VIPProtocol(rawValue: String(pieces[1])) : .tcp
            guard let transport else { continue }
            let hostPort = (bindings as? [[String: Any]])?.lazy.compactMap { ($0["HostPort"] as? String).flatMap { UInt16($0) } }.first { $0 > 0 }
            ports.append(TaskPort(name: nil, transport: transport, containerPort: number, hostPort: hostPort))
        }
        ports.sort { ($0.containerPort ?? 0, $0.transport) < ($1.containerPort ?? 0, $1.transport) }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            guard let index = vipIndex(key), index < 1_024 else { continue }
            while ports.count <= index { ports.append(TaskPort(name: nil, transport: .tcp)) }
            ports[index].vips.append(value)
        }

        let healthStatus = (state["Health"] as? [String: Any])?["Status"] as? String
        let health: TaskHealth = switch healthStatus {
        case "healthy": .healthy
        case "unhealthy", "starting": .unhealthy
        default: .unknown
        }
        let kept = Dictionary(uniqueKeysWithValues: labels.sorted { $0.key < $1.key }.prefix(maximumLabels).map { ($0.key, $0.value) })
        return TaskRecord(key: TaskKey(source: .runtime, group: namespace, id: id), name: name, framework: namespace, agentIP: agentIP,
                          addresses: addresses, ports: ports, labels: kept, state: stopping ? .killing : .running, health: health)
    }

    /// `n` of a `VIP_<n>` or `VIP_PORT<n>` label.
    static func vipIndex(_ key: String) -> Int? {
        for prefix in ["VIP_PORT", "VIP_"] where key.hasPrefix(prefix) {
            let digits = key.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
            return Int(digits)
        }
        return nil
    }
}
