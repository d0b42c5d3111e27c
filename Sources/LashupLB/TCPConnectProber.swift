import Foundation
import Glibc
import LashupCRDT

/// Measures TCP connect latency to backends: non-blocking connects, all of one round waited
/// for together with `poll`, each closed as soon as its handshake completes (the backend sees
/// an accepted connection that ends at once, as with any load balancer's health check).
/// At most `maximumConcurrent` sockets are open at once; a round runs on its own thread, so
/// the caller's executor never blocks.
public struct TCPConnectProber: Sendable {
    /// Most sockets one round holds open at once.
    public static let maximumConcurrent = 256

    /// A connect not completed in this time failed ("timed out"). One second: a dropped SYN
    /// is retransmitted after 1 s, so a backend that drops SYNs fails here.
    public var timeout: Duration

    public init(timeout: Duration = .seconds(1)) { self.timeout = timeout }

    /// Probes `targets` (in groups of `maximumConcurrent`) and returns each one's outcome.
    public func probe(_ targets: [ProbeTarget]) async -> [(ProbeTarget, ProbeOutcome)] {
        guard !targets.isEmpty else { return [] }
        let timeout = timeout
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                var results: [(ProbeTarget, ProbeOutcome)] = []
                var start = 0
                while start < targets.count {
                    let end = min(start + Self.maximumConcurrent, targets.count)
                    results += Self.round(Array(targets[start..<end]), timeout: timeout)
                    start = end
                }
                continuation.resume(returning: results)
            }
            thread.start()
        }
    }

    static func round(_ targets: [ProbeTarget], timeout: Duration) -> [(ProbeTarget, ProbeOutcome)] {
        var outcomes = [ProbeOutcome?](repeating: nil, count: targets.count)
        var sockets = [Int32](repeating: -1, count: targets.count)
        // Each socket's own start: connects are issued one after another, and a backend late
        // in the order must not be charged for the ones before it.
        var started = [ContinuousClock.Instant](repeating: ContinuousClock.now, count: targets.count)
        defer { for fd in sockets where fd >= 0 { close(fd) } }
        for (index, target) in targets.enumerated() {
            started[index] = ContinuousClock.now
            switch connectNonBlocking(target) {
            case let .success(fd): sockets[index] = fd
            case let .failure(outcome): outcomes[index] = outcome
            }
        }
        while true {
            let now = ContinuousClock.now
            var waiting: [Int] = []
            var earliestDeadline: ContinuousClock.Instant?
            for index in sockets.indices where sockets[index] >= 0 && outcomes[index] == nil {
                let deadline = started[index] + timeout
                if now >= deadline {
                    outcomes[index] = .failed("timed out after \(timeout)")
                    continue
                }
                waiting.append(index)
                earliestDeadline = min(earliestDeadline ?? deadline, deadline)
            }
            guard let earliestDeadline, !waiting.isEmpty else { break }
            let left = earliestDeadline - now
            var polled = waiting.map { pollfd(fd: sockets[$0], events: Int16(POLLOUT), revents: 0) }
            let milliseconds = Int32(clamping: max(1, left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000))
            if poll(&polled, nfds_t(polled.count), milliseconds) < 0 {
                if errno == EINTR { continue }
                // This host's trouble, not the backends': nothing is recorded for them.
                let reason = "poll: \(String(cString: strerror(errno)))"
                for index in waiting { outcomes[index] = .notProbed(reason) }
                break
            }
            let ended = ContinuousClock.now
            for (slot, entry) in polled.enumerated() where entry.revents != 0 {
                let index = waiting[slot]
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &error, &length)
                outcomes[index] = error == 0 ? .connected(ended - started[index]) : .failed(String(cString: strerror(error)))
                close(entry.fd)
                sockets[index] = -1
            }
        }
        return zip(targets, outcomes).map { ($0, $1 ?? .notProbed("no outcome")) }
    }

    /// Errors of this host (no descriptors, no ports, no memory): no backend is to blame.
    static let localErrors: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAGAIN]

    enum Connect { case success(Int32), failure(ProbeOutcome) }

    static func connectNonBlocking(_ target: ProbeTarget) -> Connect {
        let family = target.address.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.notProbed("socket: \(String(cString: strerror(errno)))")) }
        // Close with a reset, not a FIN: the probe leaves no TIME_WAIT behind on either side.
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        let bytes = target.address.bytes
        let result: Int32
        if target.address.isIPv4 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = target.port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: bytes) }
            result = connect(fd, to: address)
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = target.port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes) }
            result = connect(fd, to: address)
        }
        if result == 0 || errno == EINPROGRESS { return .success(fd) }
        let code = errno
        close(fd)
        let reason = String(cString: strerror(code))
        return .failure(localErrors.contains(code) ? .notProbed("connect: \(reason)") : .failed(reason))
    }

    /// `connect` with a `sockaddr_in` or `sockaddr_in6`.
    static func connect<Address>(_ fd: Int32, to address: Address) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}
