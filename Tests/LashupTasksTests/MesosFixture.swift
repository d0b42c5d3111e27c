import Foundation
import Testing

/// The Mesos operator API fixture (`shared/fixtures/mesos/operator-api.json`, one event per
/// line), read where it lies rather than copied into the repository: `LASHUP_FIXTURES` (a
/// directory) if set, else a `shared/fixtures` beside any ancestor of this file (the clone
/// normally sits next to `shared/`), else `/work/shared/fixtures`.
enum MesosFixture {
    static let relativePath = "mesos/operator-api.json"

    static let path: String? = {
        let files = FileManager.default
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["LASHUP_FIXTURES"], !directory.isEmpty {
            candidates.append("\(directory)/\(relativePath)")
        }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/", !directory.path.isEmpty {
            candidates.append(directory.appendingPathComponent("shared/fixtures/\(relativePath)").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append("/work/shared/fixtures/\(relativePath)")
        return candidates.first { files.isReadableFile(atPath: $0) }
    }()

    static var available: Bool { path != nil }

    /// The fixture's events, one JSON text per line.
    static func lines() throws -> [String] {
        guard let path else { throw FixtureMissing() }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        var description: String { "the Mesos fixture \(MesosFixture.relativePath) was not found: set LASHUP_FIXTURES" }
    }

    /// The fixture's events folded into one `GET_STATE` response, the way a master's state
    /// would show them: the `SUBSCRIBED` snapshot, frameworks updated, tasks added, and each
    /// task update setting the task's state and appending its status.
    static func getState(from lines: [String]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: ["type": "GET_STATE", "get_state": try foldedState(from: lines)])
        return String(decoding: data, as: UTF8.self)
    }

    /// The same state as a master's `SUBSCRIBED` would carry it: the whole snapshot at once.
    static func subscribed(from lines: [String], heartbeat: Double) throws -> String {
        let subscribed: [String: Any] = ["get_state": try foldedState(from: lines), "heartbeat_interval_seconds": heartbeat]
        let data = try JSONSerialization.data(withJSONObject: ["type": "SUBSCRIBED", "subscribed": subscribed])
        return String(decoding: data, as: UTF8.self)
    }

    static func foldedState(from lines: [String]) throws -> [String: Any] {
        var state: [String: Any] = [:]
        var frameworks: [[String: Any]] = []
        var tasks: [[String: Any]] = []
        for line in lines {
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let type = event["type"] as? String else { continue }
            switch type {
            case "SUBSCRIBED":
                state = ((event["subscribed"] as? [String: Any])?["get_state"] as? [String: Any]) ?? [:]
                frameworks = ((state["get_frameworks"] as? [String: Any])?["frameworks"] as? [[String: Any]]) ?? []
                tasks = ((state["get_tasks"] as? [String: Any])?["tasks"] as? [[String: Any]]) ?? []
            case "FRAMEWORK_UPDATED", "FRAMEWORK_ADDED":
                let body = event[type.lowercased()] as? [String: Any]
                guard let framework = body?["framework"] as? [String: Any] else { continue }
                let id = frameworkID(framework)
                frameworks.removeAll { frameworkID($0) == id }
                frameworks.append(framework)
            case "TASK_ADDED":
                if let task = (event["task_added"] as? [String: Any])?["task"] as? [String: Any] { tasks.append(task) }
            case "TASK_UPDATED":
                guard let updated = event["task_updated"] as? [String: Any], let status = updated["status"] as? [String: Any] else { continue }
                let id = (status["task_id"] as? [String: Any])?["value"] as? String
                guard let index = tasks.firstIndex(where: { ($0["task_id"] as? [String: Any])?["value"] as? String == id }) else { continue }
                tasks[index]["state"] = updated["state"] ?? status["state"]
                tasks[index]["statuses"] = ((tasks[index]["statuses"] as? [Any]) ?? []) + [status]
            default: continue
            }
        }
        state["get_frameworks"] = ["frameworks": frameworks]
        state["get_tasks"] = ["tasks": tasks]
        return state
    }

    static func frameworkID(_ framework: [String: Any]) -> String? {
        ((framework["framework_info"] as? [String: Any])?["id"] as? [String: Any])?["value"] as? String
    }
}
