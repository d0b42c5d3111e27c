import Foundation
import Glibc
import LashupCNIProtocol

/// The `lashup-cni` plugin: reads the CNI environment and the network configuration, runs
/// the command, and says what to print and how to exit. `main()` is the executable; `run`
/// is the same without the process around it, for tests.
public enum LashupCNI {
    /// Runs one command. `input` is called only when the command needs the configuration
    /// (every command but VERSION), so a plugin run by hand for VERSION never waits on stdin.
    public static func run(environment: [String: String], input: () throws(CNIPluginError) -> [UInt8], options: PluginOptions = PluginOptions()) -> PluginOutcome {
        var version = CNIVersion.current
        do {
            let cniEnvironment = try CNIEnvironment(environment)
            if cniEnvironment.command == .version { return PluginOutcome(output: CNIJSON.versionInformation(), exitCode: 0) }
            let bytes = try input()
            version = Self.declaredVersion(bytes) ?? version
            let configuration = try NetworkConfiguration(decoding: bytes)
            version = configuration.cniVersion
            let invocation = Invocation(environment: cniEnvironment, configuration: configuration, options: options)
            switch cniEnvironment.command {
            case .add: return PluginOutcome(output: try invocation.add(), exitCode: 0)
            case .delete: try invocation.delete()
            case .check: try invocation.check()
            case .garbageCollect: try invocation.garbageCollect()
            case .status: try invocation.status()
            case .version: break
            }
            return PluginOutcome(output: "", exitCode: 0)
        } catch {
            return PluginOutcome(output: CNIJSON.error(error, version: version), exitCode: 1)
        }
    }

    /// The executable: the process's environment and stdin in, the outcome printed on
    /// stdout. Returns the exit status.
    public static func main() -> Int32 {
        let outcome = run(environment: ProcessInfo.processInfo.environment, input: { () throws(CNIPluginError) in
            try StandardInput.read(limit: NetworkConfiguration.maximumBytes)
        })
        if !outcome.output.isEmpty { StandardOutput.write(outcome.output + "\n") }
        return outcome.exitCode
    }

    /// The configuration's cniVersion if it says one the plugin speaks, so an error about the
    /// rest of it is still reported in that version's shape.
    static func declaredVersion(_ bytes: [UInt8]) -> CNIVersion? {
        struct Declared: Decodable { var cniVersion: String }
        guard let declared = try? JSONDecoder().decode(Declared.self, from: Data(bytes)), let version = CNIVersion(declared.cniVersion), version.isSupported else { return nil }
        return version
    }
}
