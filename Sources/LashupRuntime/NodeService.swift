import ServiceLifecycle

/// The node as the first service of the agent's group: the other services are built from its
/// cluster, so it starts before the group (`Agent.start`), and, being first, it is the last
/// to stop: on shutdown it leaves the cluster gracefully once every service above it is done.
public struct NodeService: Service {
    let agent: Agent

    public init(agent: Agent) { self.agent = agent }

    public func run() async throws {
        try? await gracefulShutdown()
        await agent.stop()
    }
}
