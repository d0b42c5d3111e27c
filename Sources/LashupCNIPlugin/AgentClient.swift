import Foundation
import Glibc
import LashupCNIProtocol

/// Asks the host's agent one question over its unix socket: connect, write the request as one
/// JSON line, read one line back, close. Blocking and bounded: a plugin is a short-lived
/// process the runtime waits on, so it must never hang on an agent that accepts and stalls.
public struct AgentClient: Sendable {
    public var socketPath: String
    /// The whole exchange, connect to answer, must finish within it. The agent answers once
    /// the allocation is durable (a database commit), well under a second normally.
    public var timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(10)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Why the exchange failed; the command decides the CNI code (11 for ADD, 50 for STATUS).
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Sends `request` and returns the agent's response (which may carry the agent's error).
    public func send(_ request: AttachmentRequest) throws(Failure) -> AttachmentResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(request) else { throw Failure(description: "cannot encode the request") }
        line.append(0x0A)
        let deadline = ContinuousClock.now + timeout
        let descriptor = try connect(deadline: deadline)
        defer { close(descriptor) }
        try write(Array(line), to: descriptor, deadline: deadline)
        let reply = try readLine(from: descriptor, deadline: deadline)
        do {
            return try JSONDecoder().decode(AttachmentResponse.self, from: Data(reply))
        } catch {
            throw Failure(description: "the agent at \(socketPath) answered something that is not a response: \(String(decoding: reply.prefix(200), as: UTF8.self))")
        }
    }

    func connect(deadline: ContinuousClock.Instant) throws(Failure) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw Failure(description: "the socket path \(socketPath) is longer than \(capacity - 1) bytes") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw failure("cannot open a unix socket", errno) }
        // A unix stream connect blocks only while the agent's backlog is full, for at most
        // the send timeout: that bounds it without a non-blocking dance.
        var limit = Self.timeval(until: deadline)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw failure("cannot connect to the lashup agent at \(socketPath)", code, hint: " (is the agent running with its overlay enabled?)")
        }
        return descriptor
    }

    func write(_ bytes: [UInt8], to descriptor: Int32, deadline: ContinuousClock.Instant) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            try wait(for: Int16(POLLOUT), on: descriptor, until: deadline)
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw failure("cannot write to the lashup agent at \(socketPath)", errno)
            }
            sent += count
        }
    }

    /// Reads up to the first newline (or the end, if the agent closes without one), refusing
    /// more than `AttachmentProtocol.maximumMessageBytes`.
    func readLine(from descriptor: Int32, deadline: ContinuousClock.Instant) throws(Failure) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            try wait(for: Int16(POLLIN), on: descriptor, until: deadline)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw failure("cannot read from the lashup agent at \(socketPath)", errno)
            }
            if count == 0 {
                guard !received.isEmpty else { throw Failure(description: "the lashup agent at \(socketPath) closed the connection without answering") }
                return received
            }
            if let newline = chunk[0..<count].firstIndex(of: 0x0A) {
                received += chunk[0..<newline]
                guard received.count <= AttachmentProtocol.maximumMessageBytes else { break }
                return received
            }
            received += chunk[0..<count]
            if received.count > AttachmentProtocol.maximumMessageBytes { break }
        }
        throw Failure(description: "the lashup agent at \(socketPath) answered more than \(AttachmentProtocol.maximumMessageBytes) bytes")
    }

    func wait(for events: Int16, on descriptor: Int32, until deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw Failure(description: "the lashup agent at \(socketPath) did not answer within \(timeout)") }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw failure("cannot wait for the lashup agent at \(socketPath)", errno) }
        }
    }

    func failure(_ what: String, _ code: Int32, hint: String = "") -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(code)))\(hint)")
    }

    static func timeval(until deadline: ContinuousClock.Instant) -> timeval {
        let remaining = max(deadline - ContinuousClock.now, .milliseconds(1))
        return Glibc.timeval(tv_sec: Int(remaining.components.seconds), tv_usec: Int(remaining.components.attoseconds / 1_000_000_000_000))
    }
}
