import Foundation
import Glibc
import LashupCNIProtocol
import Synchronization

/// A stand-in for the agent's CNI socket: a unix socket served by a thread of its own that
/// answers each request as `answer` says and records what it was asked. Stopped (socket
/// closed, file removed) when the test lets go of it, failures included.
final class FakeAgent: Sendable {
    /// How the fake answers one request.
    enum Reply: Sendable {
        case response(AttachmentResponse)
        /// Bytes as they are, for replies a real agent would not send.
        case raw([UInt8])
        /// Keep the connection open without answering (an agent that hangs).
        case silence
    }

    // The serving thread holds the server, not this object, so letting go of it stops both.
    private let server: FakeAgentServer

    init(answer: @escaping @Sendable (AttachmentRequest) -> Reply) throws {
        server = try FakeAgentServer(answer: answer)
    }

    deinit { server.stop() }

    var path: String { server.path }
    /// What the plugin asked, in order.
    var requests: [AttachmentRequest] { server.requests }
    /// Stops serving: later connections fail as with no agent at all.
    func stop() { server.stop() }
}

final class FakeAgentServer: Sendable {
    typealias Reply = FakeAgent.Reply

    let path: String
    private let listener: Int32
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let received = Mutex<[AttachmentRequest]>([])
    private let held = Mutex<[Int32]>([])

    init(answer: @escaping @Sendable (AttachmentRequest) -> Reply) throws {
        path = "/tmp/lashup-cni-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw FakeAgentError("socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw FakeAgentError("bind/listen \(path): \(errno)")
        }
        let thread = Thread { [self] in serve(answer) }
        thread.start()
    }

    /// What the plugin asked, in order.
    var requests: [AttachmentRequest] { received.withLock { $0 } }

    func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        finished.wait()
        close(listener)
        unlink(path)
        for descriptor in held.withLock({ $0 }) { close(descriptor) }
    }

    private func serve(_ answer: @Sendable (AttachmentRequest) -> Reply) {
        defer { finished.signal() }
        while !stopping.load(ordering: .sequentiallyConsistent) {
            var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            guard let line = readLine(connection), let request = try? JSONDecoder().decode(AttachmentRequest.self, from: Data(line)) else {
                close(connection)
                continue
            }
            received.withLock { $0.append(request) }
            switch answer(request) {
            case let .response(response):
                var bytes = Array((try? JSONEncoder().encode(response)) ?? Data())
                bytes.append(0x0A)
                write(bytes, to: connection)
                close(connection)
            case let .raw(bytes):
                write(bytes, to: connection)
                close(connection)
            case .silence:
                held.withLock { $0.append(connection) }
            }
        }
    }

    private func readLine(_ connection: Int32) -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while recv(connection, &byte, 1, 0) == 1 {
            if byte == 0x0A { return line }
            line.append(byte)
        }
        return nil
    }

    private func write(_ bytes: [UInt8], to connection: Int32) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }
}

struct FakeAgentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
