import Foundation
import Glibc

/// A process started inside a test's network namespace and killed (with everything it
/// started in its process group) when the test lets go of it, failures included: deleting a
/// namespace does not end the processes in it.
public final class NamespaceProcess: @unchecked Sendable {
    let process = Process()
    let stdoutPipe = Pipe()
    let input = Pipe()

    /// Starts `arguments` in `namespace`; its stdout is kept for `output()`, stderr discarded.
    public init(in namespace: TestNamespace, _ arguments: [String]) throws {
        let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "ip"
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = ["netns", "exec", namespace.name] + arguments
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = input
        try process.run()
    }

    /// Python code run by `python3 -c` in `namespace`.
    public convenience init(in namespace: TestNamespace, python: String) throws {
        try self.init(in: namespace, ["python3", "-u", "-c", python])
    }

    /// Writes `line` and a newline to its stdin.
    public func send(_ line: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    public var isRunning: Bool { process.isRunning }

    /// Waits for the process to end and returns its stdout.
    public func output() -> String {
        let data = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads stdout up to the first newline (a server saying it listens), or nil at its end.
    public func firstLine() -> String? {
        var bytes: [UInt8] = []
        while true {
            let chunk = stdoutPipe.fileHandleForReading.readData(ofLength: 1)
            guard let byte = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
