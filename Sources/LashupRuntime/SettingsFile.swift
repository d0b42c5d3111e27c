import Foundation
import LashupCluster

/// The agent's JSON config file: one object of settings by name (`{"data_dir": "/srv/lashup",
/// "join": ["10.0.0.1:62001"]}`). Which names exist is for the services to say: the agent
/// reports keys no service read (`ServiceSettings.unreadFileSettings`).
public enum SettingsFile {
    /// Reads the file's settings; lists become comma-separated text, booleans and numbers
    /// their text. Unreadable files, bad JSON and non-scalar values are errors naming the file.
    public static func read(_ path: String) throws(RuntimeError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("config file \(path) does not exist or is not readable")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw RuntimeError("config file \(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw RuntimeError("config file \(path) must hold a JSON object of settings")
        }
        var settings: [String: String] = [:]
        for (name, value) in dictionary {
            switch value {
            case let text as String: settings[name] = text
            case let list as [String]: settings[name] = list.joined(separator: ",")
            case let number as NSNumber:
                // Booleans arrive as numbers too; "1"/"0" read back as true/false.
                settings[name] = number.stringValue
            default:
                throw RuntimeError("config file \(path): setting \"\(name)\" must be a string, number, boolean or list of strings")
            }
        }
        return settings
    }

    /// Fails when the file holds a setting no service read, naming it and the known ones.
    public static func checkAllRead(_ settings: ServiceSettings) throws(RuntimeError) {
        let unknown = settings.unreadFileSettings()
        guard let first = unknown.first else { return }
        let known = settings.settingsRead.joined(separator: ", ")
        throw RuntimeError("config file \(settings.fileName ?? "?"): unknown setting \"\(first)\"\(unknown.count > 1 ? " (and \(unknown.count - 1) more)" : "") (known: \(known))")
    }
}
