/// How the plugin runs beyond what the runtime tells it; the defaults are production's.
public struct PluginOptions: Sendable {
    /// The namespace the host end of each veth lives in (a path such as `/run/netns/NAME`);
    /// nil: the plugin's own, as a runtime runs it. Tests set it to a namespace of their own
    /// so they never touch the machine's network.
    public var hostNamespace: String?
    /// How long one exchange with the agent may take before the plugin gives up.
    public var agentTimeout: Duration

    public init(hostNamespace: String? = nil, agentTimeout: Duration = .seconds(10)) {
        self.hostNamespace = hostNamespace
        self.agentTimeout = agentTimeout
    }
}

/// What one invocation prints on stdout and the status it exits with (0, or 1 with the
/// spec's error JSON).
public struct PluginOutcome: Equatable, Sendable {
    public var output: String
    public var exitCode: Int32

    public init(output: String, exitCode: Int32) {
        self.output = output
        self.exitCode = exitCode
    }
}
