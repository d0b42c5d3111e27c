import Foundation
import LashupCRDT

/// Something the table skipped: a short fixed cause (for `SourceProblems.report`) and a
/// detail naming what was wrong.
public struct MesosProblem: Sendable, Hashable, CustomStringConvertible {
    public var cause: String
    public var detail: String

    public init(_ cause: String, _ detail: String) {
        self.cause = cause
        self.detail = detail
    }

    public var description: String { "\(cause): \(detail)" }
}

/// The Mesos tasks of a cluster (or of one agent) as the operator API describes them:
/// sans-I/O state fed `GET_STATE` responses and `SUBSCRIBE` events, yielding the running and
/// killing tasks as `TaskRecord`s.
///
/// A `GET_STATE` response or a `SUBSCRIBED` event replaces everything (so tasks that ended
/// while nobody was listening disappear); `TASK_ADDED`, `TASK_UPDATED`, framework and agent
/// events change it in place. Terminal tasks are forgotten at once; tasks that have not
/// started yet are kept but not yielded. Bounded: at most `maximumTasks` tasks (and as many
/// frameworks and agents); anything beyond, and every message or element that does not
/// decode, is returned as a `MesosProblem` and skipped without disturbing the rest.
public struct MesosTaskTable: Sendable {
    public static let defaultMaximumTasks = 10_000
    /// Agents and frameworks kept; a cluster has far fewer than tasks.
    static let maximumAgents = 50_000
    static let maximumFrameworks = 10_000

    public let maximumTasks: Int

    struct Entry: Sendable {
        var task: MesosJSON.Task
        /// The latest state (`TASK_RUNNING`…).
        var state: String
        /// The newest status that carried what records need (addresses, health).
        var status: MesosJSON.TaskStatus?
    }

    /// Framework id → framework name.
    var frameworks: [String: String] = [:]
    /// Agent id → the agent's IP (nil when neither its host name nor its pid holds one).
    var agents: [String: IPAddress?] = [:]
    var entries: [TaskKey: Entry] = [:]

    /// The heartbeat interval the last `SUBSCRIBED` announced.
    public private(set) var heartbeatInterval: Duration?
    /// Messages decoded and applied since the table was made (heartbeats included).
    public private(set) var messagesApplied = 0
    /// Bumped by every applied message that may change the tasks (all but heartbeats): a
    /// shell publishes only when it moved.
    public private(set) var revision = 0
    /// Full snapshots applied (`GET_STATE` responses and `SUBSCRIBED` events): until one has,
    /// the table knows nothing and publishing it would withdraw every task.
    public private(set) var snapshots = 0

    public init(maximumTasks: Int = Self.defaultMaximumTasks) {
        self.maximumTasks = max(0, maximumTasks)
    }

    /// The running and killing tasks, in key order.
    public var tasks: [TaskRecord] {
        entries.compactMap { key, entry in record(key: key, entry).record }.sorted { $0.key < $1.key }
    }

    /// Tasks known, including those not yet running (for bounds and tests).
    public var taskCount: Int { entries.count }

    /// Applies one message, given as its JSON text: a `SUBSCRIBE` event or a `GET_STATE`
    /// response. Returns what was skipped; an unknown event type is skipped and returned too.
    public mutating func apply(json bytes: some Collection<UInt8>) -> [MesosProblem] {
        let message: MesosJSON.Message
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            message = try decoder.decode(MesosJSON.Message.self, from: Data(bytes))
        } catch {
            return [MesosProblem("malformed_event", "an operator API message that does not decode: \(MesosJSON.describe(error))")]
        }
        return apply(message)
    }

    mutating func apply(_ message: MesosJSON.Message) -> [MesosProblem] {
        messagesApplied += 1
        if message.type != "HEARTBEAT" { revision += 1 }
        func missing(_ member: String) -> [MesosProblem] {
            [MesosProblem("malformed_event", "a \(message.type) message without its \"\(member)\" member")]
        }
        switch message.type {
        case "GET_STATE":
            guard let state = message.getState else { return missing("get_state") }
            return replace(with: state)
        case "SUBSCRIBED":
            guard let subscribed = message.subscribed else { return missing("subscribed") }
            if let seconds = subscribed.heartbeatIntervalSeconds, seconds.isFinite, seconds > 0 {
                heartbeatInterval = .milliseconds(Int64(min(seconds, 3_600) * 1_000))
            }
            return replace(with: subscribed.getState ?? MesosJSON.GetState())
        case "HEARTBEAT":
            return []
        case "TASK_ADDED":
            guard let added = message.taskAdded else { return missing("task_added") }
            return add(added.task, state: added.task.state, status: added.task.statuses?.last)
        case "TASK_UPDATED":
            guard let updated = message.taskUpdated else { return missing("task_updated") }
            return update(updated)
        case "FRAMEWORK_ADDED":
            guard let event = message.frameworkAdded else { return missing("framework_added") }
            return addFramework(event.framework)
        case "FRAMEWORK_UPDATED":
            guard let event = message.frameworkUpdated else { return missing("framework_updated") }
            return addFramework(event.framework)
        case "FRAMEWORK_REMOVED":
            guard let id = message.frameworkRemoved?.frameworkInfo.id?.value else { return missing("framework_removed.framework_info.id") }
            frameworks[id] = nil
            // A removed framework's tasks were torn down with it.
            entries = entries.filter { $0.key.group != id }
            return []
        case "AGENT_ADDED":
            guard let event = message.agentAdded else { return missing("agent_added") }
            return addAgent(event.agent)
        case "AGENT_REMOVED":
            guard let id = message.agentRemoved?.agentId.value else { return missing("agent_removed") }
            agents[id] = nil
            // The agent is gone for good (Mesos removes agents only then): so are its tasks.
            entries = entries.filter { $0.value.task.agentId?.value != id }
            return []
        default:
            return [MesosProblem("unknown_event", "an operator API event of type \(message.type), which task discovery does not use")]
        }
    }

    mutating func replace(with state: MesosJSON.GetState) -> [MesosProblem] {
        snapshots += 1
        frameworks = [:]
        agents = [:]
        entries = [:]
        var problems: [MesosProblem] = []
        for framework in state.getFrameworks?.frameworks ?? [] {
            switch framework.result {
            case let .success(framework): problems += addFramework(framework)
            case let .failure(error): problems.append(MesosProblem("malformed_framework", "a framework that does not decode: \(error)"))
            }
        }
        for agent in state.getAgents?.agents ?? [] {
            switch agent.result {
            case let .success(agent): problems += addAgent(agent)
            case let .failure(error): problems.append(MesosProblem("malformed_agent", "an agent that does not decode: \(error)"))
            }
        }
        for task in state.getTasks?.tasks ?? [] {
            switch task.result {
            case let .success(task): problems += add(task, state: task.state, status: task.statuses?.last)
            case let .failure(error): problems.append(MesosProblem("malformed_task", "a task that does not decode: \(error)"))
            }
        }
        return problems
    }

    mutating func addFramework(_ framework: MesosJSON.Framework) -> [MesosProblem] {
        guard let id = framework.frameworkInfo.id?.value else {
            return [MesosProblem("malformed_framework", "a framework without an id")]
        }
        guard frameworks[id] != nil || frameworks.count < Self.maximumFrameworks else {
            return [MesosProblem("too_many_frameworks", "more than \(Self.maximumFrameworks) frameworks; framework \(id) left out")]
        }
        // Until a framework has a name its tasks carry its id (what a record needs is some name).
        frameworks[id] = framework.frameworkInfo.name.flatMap { $0.isEmpty ? nil : $0 } ?? id
        return []
    }

    mutating func addAgent(_ agent: MesosJSON.Agent) -> [MesosProblem] {
        guard let id = agent.agentInfo.id?.value else { return [MesosProblem("malformed_agent", "an agent without an id")] }
        guard agents[id] != nil || agents.count < Self.maximumAgents else {
            return [MesosProblem("too_many_agents", "more than \(Self.maximumAgents) agents; agent \(id) left out")]
        }
        let address = Self.agentIP(hostname: agent.agentInfo.hostname, pid: agent.pid)
        agents[id] = .some(address)
        guard address != nil else {
            let named = "its host name \(agent.agentInfo.hostname ?? "(none)") nor its pid \(agent.pid ?? "(none)")"
            return [MesosProblem("agent_without_ip", "agent \(id): neither \(named) holds an IP; its tasks have no agent IP")]
        }
        return []
    }

    mutating func add(_ task: MesosJSON.Task, state: String?, status: MesosJSON.TaskStatus?) -> [MesosProblem] {
        let key = TaskKey(source: .mesos, group: task.frameworkId.value, id: task.taskId.value)
        guard entries[key] != nil || entries.count < maximumTasks else {
            return [MesosProblem("too_many_tasks", "more than \(maximumTasks) tasks; task \(key.id) left out")]
        }
        return settle(key, Entry(task: task, state: state ?? status?.state ?? "TASK_STAGING", status: status))
    }

    mutating func update(_ updated: MesosJSON.TaskUpdated) -> [MesosProblem] {
        guard let id = updated.status.taskId?.value else { return [MesosProblem("malformed_event", "a TASK_UPDATED whose status has no task id")] }
        let key = TaskKey(source: .mesos, group: updated.frameworkId.value, id: id)
        guard var entry = entries[key] else {
            // Mesos sends TASK_ADDED first; an update for a task never added (or already
            // ended) has nothing to update.
            return [MesosProblem("unknown_task", "a TASK_UPDATED for task \(id), which was never added or has ended")]
        }
        var status = updated.status
        // Status updates that do not come from the container (a health result, a reconcile)
        // may leave out what an earlier status said: keep it rather than forget the addresses.
        if status.containerStatus == nil { status.containerStatus = entry.status?.containerStatus }
        if status.healthy == nil { status.healthy = entry.status?.healthy }
        entry.status = status
        entry.state = updated.state ?? updated.status.state ?? entry.state
        return settle(key, entry)
    }

    /// Stores `entry` unless its state ends it, and reports what its record skipped.
    mutating func settle(_ key: TaskKey, _ entry: Entry) -> [MesosProblem] {
        switch MesosTaskPhase(entry.state) {
        case .terminal:
            entries[key] = nil
            return []
        case .unknown:
            entries[key] = entry
            return [MesosProblem("unknown_state", "task \(key.id) is in state \(entry.state), which is not a Mesos task state this version knows; skipped")]
        case .pending, .running, .killing:
            entries[key] = entry
            return record(key: key, entry).problems
        }
    }

    /// The agent's IP: its host name when that is an address (DC/OS sets it so), else the
    /// address in its libprocess pid (`slave(1)@172.17.0.4:5051`).
    static func agentIP(hostname: String?, pid: String?) -> IPAddress? {
        if let hostname, let address = IPAddress(hostname) { return address }
        guard let pid, let at = pid.lastIndex(of: "@") else { return nil }
        var hostPort = pid[pid.index(after: at)...]
        if let colon = hostPort.lastIndex(of: ":") { hostPort = hostPort[..<colon] }
        if hostPort.hasPrefix("["), hostPort.hasSuffix("]") { hostPort = hostPort.dropFirst().dropLast() }
        return IPAddress(String(hostPort))
    }
}

/// Where a Mesos task state puts a task.
enum MesosTaskPhase: Sendable, Equatable {
    case pending, running, killing, terminal, unknown

    init(_ state: String) {
        switch state {
        case "TASK_RUNNING": self = .running
        case "TASK_KILLING": self = .killing
        // Not started yet; or unreachable, which Mesos may still bring back (partition aware):
        // kept, but not published.
        case "TASK_STAGING", "TASK_STARTING", "TASK_UNREACHABLE": self = .pending
        case "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED",
             "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN":
            self = .terminal
        default: self = .unknown
        }
    }
}
