import Foundation
import LashupTestSupport
import Testing

/// `lashup debug state` and `lashup debug log-level` against real agents, and `--log-format
/// json` lines as a log shipper reads them.
@Suite("Debugging a live agent", .serialized, .onOwnThread)
struct DebugCommandTests {
    @Test("debug state shows the neighbour with its RTT, the queues and the services; log-level changes logging at run time")
    func stateAndLogLevel() throws {
        let home = try makeTemporaryDirectory("debug")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let first = try AgentProcess(name: "dbg-0", home: home, dataDirectory: "\(home)/data-0", extra: ["--log-format", "json"])
        defer { first.stopIfRunning() }
        let second = try AgentProcess(name: "dbg-1", home: home, dataDirectory: "\(home)/data-1", join: [first.gossip])
        defer { second.stopIfRunning() }

        // The neighbour appears with a measured RTT once a ping was answered.
        var state: [String: Any] = [:]
        let measured = try waitUntil(seconds: 20) {
            let result = try first.cli(["debug", "state", "--json"])
            state = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]) ?? [:]
            let neighbours = state["active_view"] as? [[String: Any]] ?? []
            return neighbours.contains { $0["name"] as? String == "dbg-1" && $0["srtt_ms"] is Double }
        }
        #expect(measured != nil, "debug state: \(state)")
        #expect((state["timers_armed"] as? Int ?? 0) > 0, "a live node always has timers armed")
        #expect(state["connections_inbound"] is Int && state["inbox_depth"] is Int && state["commit_transactions"] is Int)
        #expect((state["dns"] as? [String: Any])?["zones"] is Int)
        #expect(state["log_level"] as? String == "info")
        let text = try first.cli(["debug", "state"])
        #expect(text.status == 0 && text.output.contains("dbg-1") && text.output.contains("timers armed:"), "\(text.output)")

        // Nothing at debug yet; switched on at run time, the next debug message is logged.
        #expect(!first.log.contains(#""level":"debug""#))
        let changed = try first.cli(["debug", "log-level", "debug"])
        #expect(changed.status == 0 && changed.output.contains("log level debug (was info)"), "\(changed.output) \(changed.error)")
        let logged = try waitUntil(seconds: 20) {
            _ = try first.cli(["members"])
            return first.log.contains(#""level":"debug""#)
        }
        #expect(logged != nil, "no debug line after the switch:\n\(first.log.suffix(2_000))")
        let refused = try first.cli(["debug", "log-level", "loud"])
        #expect(refused.status != 0 && refused.error.contains("one of trace, debug"), "\(refused.error)")

        // Every line of the JSON log is one JSON object with the fields shippers index.
        for line in first.log.split(separator: "\n") where line.hasPrefix("{") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["ts"] is String && object?["level"] is String && object?["message"] is String, "\(line)")
        }
        #expect(first.log.contains(#""message":"agent started""#))
    }
}

extension DebugCommandTests {
    @Test("a crash leaves the fatal error and a symbolicated backtrace in the agent's log")
    func crashBacktrace() throws {
        let home = try makeTemporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let agent = try AgentProcess(name: "crasher", home: home, dataDirectory: "\(home)/data", overrides: ["LASHUP_TEST_CRASH_AFTER_SECONDS": "1"])
        defer { agent.stopIfRunning() }
        // Symbolicating a debug build's backtrace takes the runtime several seconds.
        let exited = waitUntil(seconds: 120) { !agent.process.isRunning }
        #expect(exited != nil, "the agent did not crash")
        let log = agent.log
        #expect(log.contains("Fatal error: induced crash"), "\(log.suffix(2_000))")
        #expect(log.contains("crashIfAskedByATest") && log.contains("AgentCommand.swift"), "no symbolicated frame of ours:\n\(log.suffix(4_000))")
    }
}
