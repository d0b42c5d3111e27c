import Foundation

/// One `lashup agent` process on loopback, for tests: started with its own data directory and
/// ephemeral ports, ready once it prints its ready line, driven through the `lashup` CLI.
final class AgentProcess: @unchecked Sendable {
    let name: String
    let home: String
    let dataDirectory: String
    let logPath: String
    private(set) var process: Process
    private(set) var gossip = ""
    private(set) var api = ""
    /// The first DNS listener, HOST:PORT.
    private(set) var dns = ""
    private(set) var incarnation: UInt64 = 0
    let overrides: [String: String]

    /// Starts an agent and waits for its ready line (the agent exiting first is an error that
    /// quotes its log).
    /// - Parameter overrides: environment variables for this agent only (test hooks of debug builds).
    init(name: String, home: String, dataDirectory: String, join: [String] = [], gossipPort: Int = 0, extra: [String] = [],
         overrides: [String: String] = [:]) throws {
        self.name = name
        self.home = home
        self.dataDirectory = dataDirectory
        self.overrides = overrides
        logPath = "\(home)/\(name).log"
        process = Process()
        try launch(join: join, gossipPort: gossipPort, extra: extra)
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        for key in environment.keys where key.hasPrefix("LASHUP_") { environment[key] = nil }
        return environment.merging(overrides) { $1 }
    }

    /// (Re)starts the process with the same name, home and data directory.
    func launch(join: [String], gossipPort: Int, extra: [String] = []) throws {
        let process = Process()
        process.executableURL = try LashupBinary.url()
        process.arguments = [
            "agent", "--dev", "--name", name, "--bind", "127.0.0.1:\(gossipPort)", "--api", "127.0.0.1:0",
            "--data-dir", dataDirectory, "--dns", "127.0.0.1:0",
        ] + (extra.contains("--upstream") ? [] : ["--upstream", "none"]) + (join.isEmpty ? [] : ["--join", join.joined(separator: ",")]) + extra
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = FileHandle(forWritingAtPath: logPath)!
        log.seekToEndOfFile()
        process.standardError = log
        try process.run()
        self.process = process
        var buffer = ""
        while true {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty {
                process.waitUntilExit()
                throw TestFailure("agent \(name) exited (\(process.terminationStatus)) before it was ready; log:\n\(self.log)")
            }
            buffer += String(decoding: data, as: UTF8.self)
            if let line = buffer.split(separator: "\n").first(where: { $0.hasPrefix("lashup agent ready:") }) {
                var fields: [String: String] = [:]
                for part in line.split(separator: " ") {
                    let pair = part.split(separator: "=", maxSplits: 1)
                    if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
                }
                gossip = fields["gossip"] ?? ""
                api = fields["api"] ?? ""
                dns = fields["dns"] ?? ""
                incarnation = UInt64(fields["incarnation"] ?? "") ?? 0
                return
            }
        }
    }

    var dnsPort: Int { Int(dns.split(separator: ":").last ?? "") ?? 0 }

    var gossipPort: Int { Int(gossip.split(separator: ":").last ?? "") ?? 0 }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no log)" }

    /// `lashup <arguments> --api <this agent>`.
    func cli(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try LashupBinary.run(arguments + ["--api", api], environment: environment)
    }

    /// The agent's members, from `lashup members --json`.
    func members() throws -> [[String: Any]] {
        let result = try cli(["members", "--json"])
        guard result.status == 0, let array = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] else {
            throw TestFailure("members on \(name) failed (\(result.status)): \(result.error)")
        }
        return array
    }

    /// The names of members `self` reports reachable.
    func reachableNames() throws -> Set<String> {
        Set(try members().filter { $0["reachable"] as? Bool == true }.compactMap { $0["name"] as? String })
    }

    /// `lashup kv get KEY --json` as a JSON object, or nil when the key has no value here.
    func value(_ key: String) throws -> [String: Any]? {
        let result = try cli(["kv", "get", key, "--json"])
        guard result.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGTERM; returns the exit status and how long the exit took.
    func terminate() -> (status: Int32, seconds: Double) {
        let start = Date()
        process.terminate()
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(start))
    }

    /// Kills the process if it still runs (cleanup after a failed test).
    func stopIfRunning() {
        if process.isRunning { kill9() }
    }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass; returns the time it took,
/// or nil on timeout.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Double? {
    let start = Date()
    repeat {
        if try condition() { return Date().timeIntervalSince(start) }
        Thread.sleep(forTimeInterval: 0.05)
    } while Date().timeIntervalSince(start) < seconds
    return try condition() ? Date().timeIntervalSince(start) : nil
}

/// The body of `GET /lashup/split` from `agent` (no CLI verb prints it as JSON), fetched with
/// Python's urllib, which CI installs for the chaos script anyway.
func fetchSplit(_ agent: AgentProcess) throws -> String { try fetch(agent, "/lashup/split") }

/// The body of `GET path` on an agent's REST API (through python3's urllib: no CLI verb
/// prints these documents raw).
func fetch(_ agent: AgentProcess, _ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen('http://' + sys.argv[1] + sys.argv[2], timeout=5).read().decode())", agent.api, path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TestFailure("GET \(path) on \(agent.name) failed (\(process.terminationStatus))") }
    return String(decoding: data, as: UTF8.self)
}
