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
        return TaskAgentService(publisher: publisher, registry: registry, runtime: runtime, restored: restored, logger: logger)
    }

    public func run() async throws {
        await registry.start(restoring: restored)
        await withDiscardingTaskGroup { group in
            group.addTask { [publisher] in await publisher.run() }
            if let runtime { group.addTask { await runtime.run() } }
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
