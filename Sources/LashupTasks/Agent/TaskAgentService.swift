import LashupCRDT
import LashupCluster
import LashupLB
import Logging
import ServiceLifecycle

/// The agent's task sources as a service of its group: the publisher, the registered
/// services and their checks, and each configured source, until shutdown.
public struct TaskAgentService: Service {
    public let publisher: TaskPublisher
    public let registry: ServiceRegistry
    let runtime: RuntimeTaskSource?
    let mesosAgent: MesosAgentPoller?
    let mesosMaster: MesosMasterSubscriber?
    let restored: [RegisteredService]
    let logger: Logger

    /// - Parameter dataDirectory: where registered services persist (nil: memory only).
    /// - Throws: `TaskServiceError` when the stored registrations cannot be read.
    public static func make(_ settings: TaskAgentSettings, cluster: any Cluster, balancer: LoadBalancer, dataDirectory: String?,
                            logger: Logger) async throws(TaskServiceError) -> TaskAgentService {
        let file = dataDirectory.map(RegistrationFile.init)
        let restored: [RegisteredService]
        do { restored = try file?.read() ?? [] } catch { throw TaskServiceError(description: error.description) }
        let local = await cluster.local()
        let agentIP = settings.agentIP ?? IPAddress(local.metadata.privateIP) ?? HostPort.parse(local.address).flatMap { IPAddress($0.host) }
        let publisher = TaskPublisher(cluster: cluster, balancer: balancer, localName: local.name, logger: logger)
        let registry = ServiceRegistry(file: file, agentIP: agentIP, publisher: publisher, logger: logger)
        let runtime = settings.runtimeSocket.map {
            RuntimeTaskSource(socketPath: $0, namespace: settings.runtimeNamespace, agentIP: agentIP, publisher: publisher, logger: logger)
        }
        var poller: MesosAgentPoller?
        var subscriber: MesosMasterSubscriber?
        let problems = SourceProblems(source: .mesos, logger: logger)
        if let url = settings.mesosAgent {
            guard let endpoint = MesosEndpoint(url: url, defaultPort: 5051) else { throw TaskServiceError(description: "--mesos-agent \"\(url)\" is not an http://HOST[:PORT] URL") }
            guard let agentIP else { throw TaskServiceError(description: "--mesos-agent needs this host's IP: give --tasks-agent-ip") }
            poller = MesosAgentPoller(client: MesosOperatorClient(endpoint: endpoint), agentIP: agentIP, sink: MesosTaskSinks.publisher(publisher), problems: problems)
        }
        if !settings.mesosMasters.isEmpty {
            var endpoints: [MesosEndpoint] = []
            for url in settings.mesosMasters {
                guard let endpoint = MesosEndpoint(url: url) else { throw TaskServiceError(description: "--mesos-master \"\(url)\" is not an http://HOST[:PORT] URL") }
                endpoints.append(endpoint)
            }
            // With this host's Mesos agent polled, its tasks come from there; the masters'
            // stream adds only the leader. and master. records.
            let linesOnly: MesosTaskSink = { _, lines in await publisher.replaceExtraLines(.mesos, lines) }
            let sink = poller == nil ? MesosTaskSinks.publisher(publisher) : linesOnly
            subscriber = MesosMasterSubscriber(client: MesosOperatorClient(endpoint: endpoints[0]), localIPs: Set([agentIP].compactMap { $0 }),
                                               masters: endpoints.compactMap { IPAddress($0.host) }, publishAll: settings.mesosPublishAll,
                                               sink: sink, problems: problems)
        }
        return TaskAgentService(publisher: publisher, registry: registry, runtime: runtime, mesosAgent: poller, mesosMaster: subscriber,
                                restored: restored, logger: logger)
    }

    public func run() async throws {
        await registry.start(restoring: restored)
        await withDiscardingTaskGroup { group in
            group.addTask { [publisher] in await publisher.run() }
            if let runtime { group.addTask { await runtime.run() } }
            if let mesosAgent { group.addTask { await mesosAgent.run() } }
            if let mesosMaster { group.addTask { await mesosMaster.run() } }
            // Published tasks stay in the store at shutdown: an agent restarting must not
            // withdraw every backend of its host for the seconds it is away.
            try? await gracefulShutdown()
            await registry.stop()
            publisher.finish()
            group.cancelAll()
        }
    }
}

/// Why the task service could not start, in words for the operator.
public struct TaskServiceError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
