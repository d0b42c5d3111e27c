import Foundation

/// Operator API events the fixture does not have, built for the tests in the fixture's shape.
enum MesosEvents {
    static let marathon = "30257977-0153-499d-a5b0-35afd842ef4d-0001"
    static let agent4 = "30257977-0153-499d-a5b0-35afd842ef4d-S0"
    static let agent3 = "30257977-0153-499d-a5b0-35afd842ef4d-S1"

    static func json(_ object: [String: Any]) -> String {
        // Only ever called with literal dictionaries of JSON types.
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    static func labels(_ pairs: [(String, String)]) -> [String: Any] {
        ["labels": pairs.map { ["key": $0.0, "value": $0.1] }]
    }

    /// A `TASK_ADDED` (state `TASK_STAGING`).
    static func taskAdded(id: String, name: String, agent: String = agent4, framework: String = marathon, labels taskLabels: [(String, String)] = [],
                          ports: [[String: Any]] = [], container: [String: Any] = ["type": "MESOS", "mesos": [:] as [String: Any]],
                          healthCheck: Bool = false) -> String {
        var task: [String: Any] = [
            "name": name, "task_id": ["value": id], "framework_id": ["value": framework], "agent_id": ["value": agent],
            "state": "TASK_STAGING", "container": container,
            "discovery": ["visibility": "FRAMEWORK", "name": name, "ports": ["ports": ports]],
        ]
        if !taskLabels.isEmpty { task["labels"] = labels(taskLabels) }
        if healthCheck { task["health_check"] = ["type": "HTTP", "http": ["port": 8080, "path": "/"]] }
        return json(["type": "TASK_ADDED", "task_added": ["task": task]])
    }

    /// A `TASK_UPDATED` to `state`, its status carrying `addresses` on network `network`.
    static func taskUpdated(id: String, state: String, framework: String = marathon, addresses: [String] = [], network: String? = nil,
                            healthy: Bool? = nil) -> String {
        var status: [String: Any] = ["task_id": ["value": id], "state": state, "source": "SOURCE_EXECUTOR"]
        if !addresses.isEmpty {
            var info: [String: Any] = ["ip_addresses": addresses.map { ["ip_address": $0] }]
            if let network { info["name"] = network }
            status["container_status"] = ["network_infos": [info]]
        }
        if let healthy { status["healthy"] = healthy }
        return json(["type": "TASK_UPDATED", "task_updated": ["framework_id": ["value": framework], "status": status, "state": state]])
    }

    static func port(_ number: Int, name: String, protocol transport: String = "tcp", labels portLabels: [(String, String)] = []) -> [String: Any] {
        var port: [String: Any] = ["number": number, "name": name, "protocol": transport]
        if !portLabels.isEmpty { port["labels"] = labels(portLabels) }
        return port
    }

    /// A `SUBSCRIBED` with two agents, marathon, and no tasks (`heartbeat` seconds).
    static func subscribed(heartbeat: Double = 15, tasks: [[String: Any]] = []) -> String {
        json(["type": "SUBSCRIBED", "subscribed": [
            "heartbeat_interval_seconds": heartbeat,
            "get_state": [
                "get_tasks": ["tasks": tasks],
                "get_frameworks": ["frameworks": [["framework_info": ["name": "marathon", "id": ["value": marathon]]]]],
                "get_agents": ["agents": [
                    ["agent_info": ["hostname": "172.17.0.4", "id": ["value": agent4]], "pid": "slave(1)@172.17.0.4:5051"],
                    ["agent_info": ["hostname": "172.17.0.3", "id": ["value": agent3]], "pid": "slave(1)@172.17.0.3:5051"],
                ]],
            ] as [String: Any],
        ] as [String: Any]])
    }
}
