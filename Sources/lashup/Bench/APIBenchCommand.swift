import ArgumentParser
import Foundation
import LashupAPI
import LashupClient
import NIOHTTP1
import LashupRuntime

/// `lashup bench api`: durable `kv update`s through a running agent's REST API from many
/// concurrent clients; prints throughput and latency. Each client keeps its HTTP/1.1
/// connection alive (the CLI's client reuses idle connections), so the figures are the
/// agent's write path, not TCP set-up.
struct APIBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Measure durable kv updates per second through an agent's REST API (start the agent first)."
    )

    @Option(help: "The agent's API HOST:PORT.") var api = "127.0.0.1:62080"
    @Option(help: "API token, if the agent needs one.") var token: String?
    @Option(help: "Concurrent clients.") var clients = 16
    @Option(help: "Updates per client.") var requests = 500
    @Option(help: "Distinct keys written (bench/0 …).") var keys = 64
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() async throws {
        guard clients > 0, requests > 0, keys > 0 else { throw ValidationError("--clients, --requests and --keys must be positive") }
        let client: APIClient
        do { client = try APIClient(api: api, token: token) } catch { throw ValidationError(error.description) }
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for worker in 0..<clients {
                group.addTask {
                    var latencies: [Duration] = []
                    latencies.reserveCapacity(requests)
                    for index in 0..<requests {
                        let key = "bench/\((worker * requests + index) % keys)"
                        let body = Array(#"{"operations":[{"op":"incr","field":"n","by":1},{"op":"add","field":"w","value":"\#(worker)"}]}"#.utf8)
                        let began = clock.now
                        let response = try await client.request(.PUT, URLText.keyPath(key), body: body)
                        guard response.status == 200 else {
                            throw RuntimeError("update answered HTTP \(response.status): \(String(decoding: response.body, as: UTF8.self))")
                        }
                        latencies.append(clock.now - began)
                    }
                    return latencies
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        func milliseconds(_ quantile: Double) -> Double {
            let duration = latencies[min(latencies.count - 1, Int(Double(latencies.count) * quantile))]
            return Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
        }
        let rate = Double(latencies.count) / seconds
        if json {
            print(JSONValue.object([
                "updates": .integer(Int64(latencies.count)), "clients": .integer(Int64(clients)), "seconds": .number(seconds),
                "updates_per_second": .number(rate), "p50_ms": .number(milliseconds(0.5)), "p99_ms": .number(milliseconds(0.99)),
                "max_ms": .number(milliseconds(1.0)), "connections_opened": .integer(Int64(client.connectionStatistics.opened)),
            ]).text)
        } else {
            print("durable kv updates through REST: \(latencies.count) by \(clients) clients in \(String(format: "%.2f", seconds)) s")
            print(String(format: "  %.0f updates/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms", rate, milliseconds(0.5), milliseconds(0.99), milliseconds(1.0)))
            print("  connections opened: \(client.connectionStatistics.opened), requests on a reused one: \(client.connectionStatistics.reused)")
        }
    }
}
