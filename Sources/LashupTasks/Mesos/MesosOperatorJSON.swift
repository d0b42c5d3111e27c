/// The parts of the Mesos operator API's JSON (v1, `/api/v1`) that task discovery reads.
///
/// Decoded with `convertFromSnakeCase`; every field that Mesos may leave out is optional, and
/// unknown fields are ignored, so a newer Mesos that adds fields still decodes. Lists of tasks,
/// frameworks and agents decode element by element (`MesosLossy`), so one malformed task is
/// reported and skipped instead of losing the whole state.
enum MesosJSON {
    struct Value: Decodable, Sendable, Hashable {
        var value: String
    }

    struct Label: Decodable, Sendable, Hashable {
        var key: String
        var value: String?
    }

    struct Labels: Decodable, Sendable, Hashable {
        var labels: [Label]?
    }

    struct PortMapping: Decodable, Sendable, Hashable {
        var hostPort: Int?
        var containerPort: Int?
        var `protocol`: String?
    }

    struct IPAddressInfo: Decodable, Sendable, Hashable {
        var ipAddress: String?
    }

    struct NetworkInfo: Decodable, Sendable, Hashable {
        var ipAddresses: [IPAddressInfo]?
        var name: String?
        var portMappings: [PortMapping]?
    }

    struct ContainerStatus: Decodable, Sendable, Hashable {
        var networkInfos: [NetworkInfo]?
    }

    struct TaskStatus: Decodable, Sendable, Hashable {
        var taskId: Value?
        var state: String?
        var healthy: Bool?
        var containerStatus: ContainerStatus?
    }

    struct DockerInfo: Decodable, Sendable, Hashable {
        var network: String?
        var portMappings: [PortMapping]?
    }

    struct ContainerInfo: Decodable, Sendable, Hashable {
        var type: String?
        var docker: DockerInfo?
        var networkInfos: [NetworkInfo]?
    }

    struct DiscoveryPort: Decodable, Sendable, Hashable {
        var number: Int?
        var name: String?
        var `protocol`: String?
        var labels: Labels?
    }

    struct DiscoveryPorts: Decodable, Sendable, Hashable {
        var ports: [DiscoveryPort]?
    }

    struct DiscoveryInfo: Decodable, Sendable, Hashable {
        var name: String?
        var ports: DiscoveryPorts?
    }

    /// Only whether it is there matters (a health check without a result yet means unhealthy).
    struct Presence: Decodable, Sendable, Hashable {
        init(from decoder: any Decoder) throws {}
    }

    struct Task: Decodable, Sendable, Hashable {
        var name: String
        var taskId: Value
        var frameworkId: Value
        var agentId: Value?
        var state: String?
        var statuses: [TaskStatus]?
        var labels: Labels?
        var discovery: DiscoveryInfo?
        var container: ContainerInfo?
        var healthCheck: Presence?
    }

    struct FrameworkInfo: Decodable, Sendable, Hashable {
        var name: String?
        var id: Value?
    }

    struct Framework: Decodable, Sendable, Hashable {
        var frameworkInfo: FrameworkInfo
    }

    struct AgentInfo: Decodable, Sendable, Hashable {
        var hostname: String?
        var id: Value?
    }

    struct Agent: Decodable, Sendable, Hashable {
        var agentInfo: AgentInfo
        var pid: String?
    }

    struct GetTasks: Decodable, Sendable {
        var tasks: [Lossy<Task>]?
    }

    struct GetFrameworks: Decodable, Sendable {
        var frameworks: [Lossy<Framework>]?
    }

    struct GetAgents: Decodable, Sendable {
        var agents: [Lossy<Agent>]?
    }

    struct GetState: Decodable, Sendable {
        var getTasks: GetTasks?
        var getFrameworks: GetFrameworks?
        var getAgents: GetAgents?
    }

    struct Subscribed: Decodable, Sendable {
        var getState: GetState?
        var heartbeatIntervalSeconds: Double?
    }

    struct TaskAdded: Decodable, Sendable { var task: Task }
    struct TaskUpdated: Decodable, Sendable {
        var frameworkId: Value
        var status: TaskStatus
        /// The task's latest state (the status is the latest status, which may lag it).
        var state: String?
    }
    struct FrameworkEvent: Decodable, Sendable { var framework: Framework }
    struct FrameworkRemoved: Decodable, Sendable { var frameworkInfo: FrameworkInfo }
    struct AgentAdded: Decodable, Sendable { var agent: Agent }
    struct AgentRemoved: Decodable, Sendable { var agentId: Value }

    /// One `SUBSCRIBE` event, or a `GET_STATE` response (`type` says which member is set).
    struct Message: Decodable, Sendable {
        var type: String
        var subscribed: Subscribed?
        var getState: GetState?
        var taskAdded: TaskAdded?
        var taskUpdated: TaskUpdated?
        var frameworkAdded: FrameworkEvent?
        var frameworkUpdated: FrameworkEvent?
        var frameworkRemoved: FrameworkRemoved?
        var agentAdded: AgentAdded?
        var agentRemoved: AgentRemoved?
    }

    /// An element that decodes or says why it did not, so one bad element does not fail
    /// the list it is in.
    struct Lossy<Element: Decodable & Sendable>: Decodable, Sendable {
        var result: Result<Element, LossyError>

        init(from decoder: any Decoder) throws {
            do {
                result = .success(try Element(from: decoder))
            } catch {
                result = .failure(LossyError(description: MesosJSON.describe(error)))
            }
        }
    }

    struct LossyError: Error, Sendable, Hashable, CustomStringConvertible {
        var description: String
    }

    /// A decoding error in a few words (the path and what was wrong), for logs.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the document" : keys.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "\(path(context)): missing \"\(key.stringValue)\""
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
