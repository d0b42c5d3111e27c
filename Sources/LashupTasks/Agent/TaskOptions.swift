import ArgumentParser

/// The task sources' flags (`lashup agent`); `TaskAgentSettings` reads their values, with the
/// environment's and the config file's, through `ServiceSettings`.
public struct TaskOptions: ParsableArguments {
    @Option(help: "A container runtime's Docker Engine API socket to take tasks from, e.g. /var/run/docker.sock or podman's /run/podman/podman.sock (default: none).")
    var runtimeSocket: String?
    @Option(help: "The namespace of containers without a lashup.namespace or compose project label: their names are NAME.NAMESPACE (default: containers).")
    var runtimeNamespace: String?
    @Option(help: "This host's Mesos agent operator API, polled with GET_STATE every 2 s, e.g. http://127.0.0.1:5051 (default: none).")
    var mesosAgent: String?
    @Option(help: "The Mesos masters' operator API, comma-separated: the first (this host's master) is followed with SUBSCRIBE, a 307 leading to the leader; all of them are the master. records, the leader the leader. record (default: none).")
    var mesosMaster: String?
    @Option(help: "Which tasks a --mesos-master subscription publishes: own (those on this host's IP) or all (for Mesos agents without a lashup agent) (default: own).")
    var mesosTasks: String?
    @Option(help: "This host's IP in task records (agentip names, host-port backends) (default: the address it advertises).")
    var tasksAgentIp: String?

    public init() {}

    /// The flags given, by setting name.
    public var given: [String: String] {
        let flags: [String: String?] = [
            "runtime_socket": runtimeSocket, "runtime_namespace": runtimeNamespace, "mesos_agent": mesosAgent, "mesos_master": mesosMaster,
            "mesos_tasks": mesosTasks, "tasks_agent_ip": tasksAgentIp,
        ]
        return flags.compactMapValues { $0 }
    }
}
