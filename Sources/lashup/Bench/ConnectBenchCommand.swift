import ArgumentParser
import Foundation
import Glibc
import LashupRuntime

/// `lashup bench connect`: new TCP connections per second and their latency, to one target
/// (a backend directly, a VIP, or a proxy), as `scripts/bench/lb` compares them; or, with
/// `--serve`, the server they connect to. A connection is: connect, read the one byte the
/// server sends on accept, close with a reset (so neither side keeps TIME_WAIT ports).
/// Latency is from `connect` to that byte: the handshake plus one accept and one write.
struct ConnectBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Open TCP connections to a target as fast as they complete and print the rate and latency (or --serve them)."
    )

    @Option(help: "Where to connect: IPV4:PORT.") var target: String?
    @Option(help: "Serve on IPV4:PORT instead: accept, send one byte, close.") var serve: String?
    @Option(help: "Connections in flight at once.") var concurrency = 16
    @Option(help: "Seconds to run (ignored with --count).") var seconds = 5.0
    @Option(help: "Make exactly this many connections instead of running for --seconds.") var count: Int?
    @Option(help: "A connection not answered in this many milliseconds failed.") var timeoutMilliseconds = 3_000
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard (target == nil) != (serve == nil) else { throw ValidationError("give exactly one of --target and --serve") }
        guard (1...4_096).contains(concurrency) else { throw ValidationError("--concurrency must be in 1...4096") }
        // Every connection's latency is kept for the percentiles: bounded by the run's length.
        guard seconds > 0, seconds <= 300 else { throw ValidationError("--seconds must be in (0, 300]") }
        if let count { guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be in 1...10000000") } }
        guard timeoutMilliseconds >= 1 else { throw ValidationError("--timeout-milliseconds must be at least 1") }
    }

    func run() throws {
        if let serve {
            try ConnectServer(try Self.address(serve, "serve")).run()
            return
        }
        let address = try Self.address(target ?? "", "target")
        var load = ConnectLoad(target: address, concurrency: concurrency, timeout: .milliseconds(timeoutMilliseconds))
        let figures = load.run(count: count, seconds: seconds)
        print(json ? figures.json : figures.text)
    }

    static func address(_ text: String, _ flag: String) throws -> sockaddr_in {
        let parts = text.split(separator: ":")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard parts.count == 2, let port = UInt16(parts[1]), port > 0, inet_pton(AF_INET, String(parts[0]), &address.sin_addr) == 1 else {
            throw ValidationError("--\(flag) \"\(text)\" is not IPV4:PORT")
        }
        address.sin_port = port.bigEndian
        return address
    }
}

/// The load generator: `concurrency` connections in flight, one thread, `poll`.
struct ConnectLoad {
    let target: sockaddr_in
    let concurrency: Int
    let timeout: Duration
    var latencies: [Duration] = []
    /// Every connection's time until it ended, failures included (at their time to fail).
    var durations: [Duration] = []
    var failures: [String: Int] = [:]

    init(target: sockaddr_in, concurrency: Int, timeout: Duration) {
        self.target = target
        self.concurrency = concurrency
        self.timeout = timeout
    }

    struct Figures {
        var connections: Int
        var failures: [String: Int]
        var elapsed: Duration
        var sorted: [Duration]
        var sortedAll: [Duration]

        func percentile(_ p: Double, of values: [Duration]? = nil) -> Double {
            let values = values ?? sorted
            guard !values.isEmpty else { return 0 }
            return Double(values[min(values.count - 1, Int(Double(values.count) * p))] / .nanoseconds(1)) / 1_000_000
        }

        var rate: Double { Double(connections) / (Double(elapsed / .nanoseconds(1)) / 1e9) }

        var text: String {
            String(format: "%ld connections in %.2f s: %.0f/s, latency p50 %.3f ms, p99 %.3f ms, max %.3f ms, %ld failed",
                   connections, Double(elapsed / .nanoseconds(1)) / 1e9, rate, percentile(0.5), percentile(0.99), percentile(1), failures.values.reduce(0, +))
                + (failures.isEmpty ? "" : " (\(failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))")
        }

        var json: String {
            let failed = failures.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
            return String(format: "{\"connections\": %ld, \"seconds\": %.3f, \"per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"p99_all_ms\": %.3f, \"max_all_ms\": %.3f, \"failed\": %ld, \"failures\": {",
                          connections, Double(elapsed / .nanoseconds(1)) / 1e9, rate, percentile(0.5), percentile(0.99), percentile(1),
                          percentile(0.99, of: sortedAll), percentile(1, of: sortedAll), failures.values.reduce(0, +)) + failed + "}}"
        }
    }

    struct InFlight {
        var fd: Int32
        var started: ContinuousClock.Instant
    }

    /// Runs until `count` connections ended (successful or not), or for `seconds`.
    mutating func run(count: Int?, seconds: Double) -> Figures {
        let clock = ContinuousClock()
        let begun = clock.now
        let deadline = begun + .milliseconds(Int(seconds * 1_000))
        var started = 0
        var ended = 0
        var flights: [InFlight] = []
        func wanted() -> Bool { count.map { started < $0 } ?? (clock.now < deadline) }
        while true {
            while flights.count < concurrency, wanted() {
                started += 1
                switch open() {
                case let .some(fd): flights.append(InFlight(fd: fd, started: clock.now))
                case .none:
                    ended += 1
                    failures["socket: \(String(cString: strerror(errno)))", default: 0] += 1
                }
            }
            if flights.isEmpty { break }
            var polled = flights.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            _ = poll(&polled, nfds_t(polled.count), 10)
            let now = clock.now
            var kept: [InFlight] = []
            for (flight, entry) in zip(flights, polled) {
                if entry.revents != 0 {
                    var byte: UInt8 = 0
                    let received = recv(flight.fd, &byte, 1, 0)
                    if received == 1 {
                        latencies.append(now - flight.started)
                    } else {
                        // recv's own errno: reading the error consumed the socket's SO_ERROR.
                        failures[received == 0 ? "closed without a byte" : String(cString: strerror(errno)), default: 0] += 1
                    }
                    durations.append(now - flight.started)
                } else if now - flight.started >= timeout {
                    failures["timed out", default: 0] += 1
                    durations.append(now - flight.started)
                } else {
                    kept.append(flight)
                    continue
                }
                close(flight.fd)
                ended += 1
            }
            flights = kept
        }
        return Figures(connections: latencies.count, failures: failures, elapsed: clock.now - begun, sorted: latencies.sorted(), sortedAll: durations.sorted())
    }

    /// A non-blocking socket connecting to the target; it closes with a reset.
    func open() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        var address = target
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard result == 0 || errno == EINPROGRESS else {
            let saved = errno
            close(fd)
            errno = saved
            return nil
        }
        return fd
    }
}

/// The server of `bench connect --serve`: accepts, sends one byte, closes; one thread.
struct ConnectServer {
    let address: sockaddr_in

    init(_ address: sockaddr_in) { self.address = address }

    func run() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bound = address
        let result = withUnsafePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard result == 0, listen(fd, 4_096) == 0 else {
            throw RuntimeError("cannot listen: \(String(cString: strerror(errno)))")
        }
        // One line that the caller waits for; written unbuffered so it is not held in a pipe.
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        var byte: UInt8 = 0x2A
        while true {
            let connection = accept(fd, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                throw RuntimeError("accept failed: \(String(cString: strerror(errno)))")
            }
            _ = send(connection, &byte, 1, Int32(MSG_NOSIGNAL))
            close(connection)
        }
    }
}
