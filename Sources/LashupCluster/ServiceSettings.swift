/// The settings the agent's services read at start, from three sources: command-line flags,
/// `LASHUP_*` environment variables and a JSON config file. The first that sets a value wins
/// (flag, then environment, then file), so one file can describe a fleet and a flag can
/// override it per host.
///
/// Each service reads the settings it owns by name (`dns_order`: flag `--dns-order`,
/// variable `LASHUP_DNS_ORDER`, file key `"dns_order"`); nobody lists them all. The reader
/// remembers what was read, so once every service has read its own, a file key nobody read
/// is reported as unknown (a typo in a fleet's file must not be ignored silently).
///
/// Used at start-up by one task, synchronously; not shared.
public final class ServiceSettings {
    let flags: [String: String]
    let environment: [String: String]
    let file: [String: String]
    /// Where `file` came from, for errors.
    public let fileName: String?
    private var read: Set<String> = []

    /// - Parameters:
    ///   - flags: values given on the command line, by setting name.
    ///   - environment: the process environment (only `LASHUP_*` variables are looked at).
    ///   - file: the config file's settings, by name (see `SettingsFile` in the runtime).
    public init(flags: [String: String] = [:], environment: [String: String] = [:], file: [String: String] = [:], fileName: String? = nil) {
        self.flags = flags
        self.environment = environment
        self.file = file
        self.fileName = fileName
    }

    /// The value of setting `name` from the first source that sets it; nil when none does.
    /// An empty environment variable counts as unset.
    public func value(_ name: String) -> String? {
        read.insert(name)
        if let flag = flags[name] { return flag }
        if let variable = environment[Self.environmentName(name)], !variable.isEmpty { return variable }
        return file[name]
    }

    /// File keys no service has read (so far): unknown settings, sorted.
    public func unreadFileSettings() -> [String] {
        file.keys.filter { !read.contains($0) }.sorted()
    }

    /// Every setting read so far, sorted (for the "known settings" part of an error).
    public var settingsRead: [String] { read.sorted() }

    /// `data_dir` → `LASHUP_DATA_DIR`.
    public static func environmentName(_ setting: String) -> String { "LASHUP_" + setting.uppercased() }

    /// `data_dir` → `--data-dir`, the flag an error names.
    public static func flagName(_ setting: String) -> String { "--" + setting.replacingUnderscores() }
}

/// A setting with a bad value: the message names the flag and says what is expected.
public struct SettingError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
