import Foundation
import LashupCRDT
import LashupLB
import LashupStore

/// Where each agent publishes the tasks of its own host: key `["tasks", <node>]`, one register
/// field per task named `(source, group, id)` holding the task as JSON.
///
/// The key is what `lashup tasks` and the dashboard list, and what a restarted agent reads to
/// learn what it published before (so backends of tasks that ended while it was down are
/// withdrawn, not leaked).
public enum TaskStoreKeys {
    /// Every agent's task key.
    public static let pattern = try! KeyPattern(["tasks", "*"])
    /// Largest JSON of one task accepted back from the store.
    public static let maximumTaskBytes = 64 << 10

    public static func key(node: String) throws(StoreError) -> Key { try Key(["tasks", node]) }

    /// The node whose tasks a key holds.
    public static func node(of key: Key) -> String? {
        pattern.matches(key) && key.segments.count == 2 ? key.segments[1] : nil
    }

    static func fieldName(_ key: TaskKey) -> Value { .tuple([.string(key.source.rawValue), .string(key.group), .string(key.id)]) }

    /// The tasks a key's value holds; fields that do not decode (a newer or buggy writer) are
    /// skipped.
    public static func tasks(_ value: ORMap?) -> [TaskRecord] {
        guard let value else { return [] }
        var tasks: [TaskRecord] = []
        for field in value.keys where field.type == .register {
            guard case let .string(json)? = value.register(field.name), json.utf8.count <= maximumTaskBytes,
                  let stored = try? JSONDecoder().decode(StoredTask.self, from: Data(json.utf8)),
                  let task = stored.task, fieldName(task.key) == field.name
            else { continue }
            tasks.append(task)
        }
        return tasks.sorted { $0.key < $1.key }
    }

    /// Operations setting `task` (its whole record, one register write).
    static func operations(setting task: TaskRecord, timestamp: UInt64) -> [MapOperation] {
        let data = (try? encoder.encode(StoredTask(task))) ?? Data()
        return [.update(fieldName(task.key), .assign(.string(String(decoding: data, as: UTF8.self)), timestamp: timestamp))]
    }

    static func operations(removing key: TaskKey) -> [MapOperation] { [.remove(FieldKey(fieldName(key), .register))] }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

/// A task as its JSON in the store (and in `lashup tasks` output): addresses as text.
public struct StoredTask: Codable, Sendable, Equatable {
    public var source: TaskSource
    public var group: String
    public var id: String
    public var name: String
    public var framework: String
    public var agentIP: String?
    public var addresses: [String]
    public var ports: [TaskPort]
    public var labels: [String: String]
    public var state: TaskState
    public var health: TaskHealth

    enum CodingKeys: String, CodingKey {
        case source, group, id, name, framework, agentIP = "agent_ip", addresses, ports, labels, state, health
    }

    public init(_ task: TaskRecord) {
        source = task.key.source
        group = task.key.group
        id = task.key.id
        name = task.name
        framework = task.framework
        agentIP = task.agentIP?.description
        addresses = task.addresses.map(\.description)
        ports = task.ports
        labels = task.labels
        state = task.state
        health = task.health
    }

    /// The task, or nil when an address does not parse.
    public var task: TaskRecord? {
        var agent: IPAddress?
        if let agentIP {
            guard let parsed = IPAddress(agentIP) else { return nil }
            agent = parsed
        }
        let parsed = addresses.compactMap(IPAddress.init)
        guard parsed.count == addresses.count else { return nil }
        return TaskRecord(key: TaskKey(source: source, group: group, id: id), name: name, framework: framework, agentIP: agent,
                          addresses: parsed, ports: ports, labels: labels, state: state, health: health)
    }
}
