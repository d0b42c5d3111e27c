import Glibc
import LashupCRDT
import LashupLB
import Testing

/// The connect prober against real sockets on loopback: a listening server, a closed port,
/// and a server whose accept queue is full (the overloaded backend: its SYNs are dropped).
@Suite("TCP connect prober")
struct TCPConnectProberTests {
    /// A listening socket on 127.0.0.1 with `backlog` (on `port`, or any free one); returns
    /// the descriptor and its port.
    static func listener(backlog: Int32, port: UInt16 = 0) throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0 && listen(fd, backlog) == 0, "bind/listen: \(String(cString: strerror(errno)))")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    static let loopback = IPAddress("127.0.0.1")!

    @Test("a listening server connects and its latency is measured; a closed port is refused")
    func connectsAndRefuses() async throws {
        let (server, port) = try Self.listener(backlog: 16)
        defer { close(server) }
        let (closed, closedPort) = try Self.listener(backlog: 1)
        close(closed)
        let results = await TCPConnectProber(timeout: .seconds(2)).probe([
            ProbeTarget(address: Self.loopback, port: port), ProbeTarget(address: Self.loopback, port: closedPort),
        ])
        #expect(results.count == 2)
        guard case let .connected(latency) = results[0].1 else { Issue.record("not connected: \(results[0].1)"); return }
        #expect(latency > .zero && latency < .seconds(2))
        guard case let .failed(reason) = results[1].1 else { Issue.record("a closed port connected"); return }
        #expect(reason.lowercased().contains("refused"), "\(reason)")
    }

    @Test("a server whose accept queue is full times out")
    func fullAcceptQueueTimesOut() async throws {
        let (server, port) = try Self.listener(backlog: 0)
        defer { close(server) }
        let target = ProbeTarget(address: Self.loopback, port: port)
        // Fill the queue (backlog 0 holds one connection) with connections nobody accepts.
        var fillers: [Int32] = []
        defer { for fd in fillers { close(fd) } }
        for _ in 0..<2 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            fillers.append(fd)
        }
        try await Task.sleep(for: .milliseconds(100))
        let results = await TCPConnectProber(timeout: .milliseconds(300)).probe([target])
        guard case let .failed(reason) = results.first?.1 else { Issue.record("connected to a full queue: \(results)"); return }
        #expect(reason.contains("timed out"), "\(reason)")
    }

    @Test("more targets than one round holds are all probed")
    func manyTargets() async throws {
        let (server, port) = try Self.listener(backlog: 1_024)
        defer { close(server) }
        // One server stands for many backends; its queue holds every handshake unaccepted.
        let targets = Array(repeating: ProbeTarget(address: Self.loopback, port: port), count: TCPConnectProber.maximumConcurrent + 10)
        let results = await TCPConnectProber(timeout: .seconds(5)).probe(targets)
        #expect(results.count == targets.count)
        let connected = results.filter { if case .connected = $0.1 { true } else { false } }.count
        #expect(connected == targets.count, "\(results.filter { if case .failed = $0.1 { true } else { false } }.prefix(3))")
    }
}
