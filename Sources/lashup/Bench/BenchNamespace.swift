import Foundation
import Glibc

/// A network namespace a benchmark creates for itself (`ip netns add`; iproute2 is used for
/// set-up and as the peer measured against, never by the code under test) and deletes, with
/// everything in it, when done.
final class BenchNamespace {
    let name: String
    var path: String { "/run/netns/\(name)" }

    init(_ label: String) throws {
        guard getuid() == 0 else { throw BenchError("this benchmark needs root: it creates network namespaces") }
        name = "lashup-bench-\(label)-\(getpid())"
        _ = try? Self.ip(["netns", "del", name])
        try Self.ip(["netns", "add", name])
        try Self.ip(["-n", name, "link", "set", "lo", "up"])
    }

    deinit { _ = try? Self.ip(["netns", "del", name]) }

    /// `ip -n NAME -batch FILE` (or `bridge`, for FDB entries), timed (seconds).
    func timedBatch(_ lines: [String], tool: String = "ip") throws -> Double {
        let file = NSTemporaryDirectory() + "lashup-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).batch"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let clock = ContinuousClock()
        let start = clock.now
        try Self.ip(["-n", name, "-batch", file], tool: tool)
        return (clock.now - start).seconds
    }

    /// `nft -f FILE` inside the namespace, timed (seconds).
    func timedNFT(_ script: String) throws -> Double {
        let file = NSTemporaryDirectory() + "lashup-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).nft"
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let clock = ContinuousClock()
        let start = clock.now
        try Self.ip(["netns", "exec", name, "nft", "-f", file])
        return (clock.now - start).seconds
    }

    @discardableResult
    static func ip(_ arguments: [String], tool: String = "ip") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ["/usr/sbin/\(tool)", "/sbin/\(tool)", "/usr/bin/\(tool)"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/\(tool)")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw BenchError("cannot run \(tool) (install iproute2): \(error)") }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(tool) \(arguments.prefix(6).joined(separator: " ")): \(String(decoding: err, as: UTF8.self).prefix(400))")
        }
        return String(decoding: out, as: UTF8.self)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
