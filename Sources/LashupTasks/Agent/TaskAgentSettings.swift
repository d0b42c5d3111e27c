import LashupCRDT
import LashupCluster
import LashupDNS

/// The task sources' settings (`TaskOptions` are their flags); each bad value is one error
/// naming the flag.
public struct TaskAgentSettings: Sendable {
    public var runtimeSocket: String?
    public var runtimeNamespace: String
    public var mesosAgent: String?
    public var mesosMasters: [String]
    public var mesosPublishAll: Bool
    public var agentIP: IPAddress?

    public init(_ settings: ServiceSettings) throws(SettingError) {
        runtimeSocket = settings.value("runtime_socket").flatMap { $0 == "none" || $0.isEmpty ? nil : $0 }
        if let runtimeSocket, !runtimeSocket.hasPrefix("/") {
            throw SettingError("--runtime-socket \"\(runtimeSocket)\": give the socket's absolute path (unix:// is implied)")
        }
        runtimeNamespace = settings.value("runtime_namespace") ?? "containers"
        guard !LabelSanitising.label(runtimeNamespace).isEmpty, runtimeNamespace.utf8.count <= 63 else {
            throw SettingError("--runtime-namespace \"\(runtimeNamespace)\": 1 to 63 characters with a letter or digit")
        }
        mesosAgent = try settings.value("mesos_agent").map { url throws(SettingError) in try Self.url(url, flag: "--mesos-agent") }
        mesosMasters = try (settings.value("mesos_master") ?? "").split(separator: ",").map { url throws(SettingError) in
            try Self.url(String(url).trimmingCharacters(in: .whitespaces), flag: "--mesos-master")
        }
        switch settings.value("mesos_tasks") ?? "own" {
        case "own": mesosPublishAll = false
        case "all": mesosPublishAll = true
        case let other: throw SettingError("--mesos-tasks \"\(other)\": use own or all")
        }
        if let text = settings.value("tasks_agent_ip") {
            guard let address = IPAddress(text) else { throw SettingError("--tasks-agent-ip \"\(text)\" is not an IP address") }
            agentIP = address
        }
    }

    /// Whether any source is configured (registration is always on).
    public var hasSources: Bool { runtimeSocket != nil || mesosAgent != nil || !mesosMasters.isEmpty }

    static func url(_ text: String, flag: String) throws(SettingError) -> String {
        guard text.hasPrefix("http://"), text.count > "http://".count else {
            throw SettingError("\(flag) \"\(text)\": an http:// URL of the operator API, e.g. http://10.0.0.1:5050")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
