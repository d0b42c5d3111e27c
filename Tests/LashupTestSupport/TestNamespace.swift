import Foundation
import Glibc

/// A network namespace of the test's own (`ip netns add`, iproute2 used for set-up only), and
/// deleted with everything in it when the test ends, failures included. Needs root; tests skip
/// otherwise, saying why.
public final class TestNamespace {
    public let name: String
    public var path: String { "/run/netns/\(name)" }

    public static var skipReason: String? {
        if getuid() != 0 { return "needs root to create network namespaces" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") && !FileManager.default.isExecutableFile(atPath: "/sbin/ip") && !FileManager.default.isExecutableFile(atPath: "/usr/bin/ip") {
            return "needs iproute2 (ip) to create network namespaces"
        }
        return nil
    }

    public static var canRun: Bool { skipReason == nil }

    public init(_ label: String) throws {
        name = "lashup-nl-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Self.ip(["netns", "add", name])
        try run(["link", "set", "lo", "up"])
    }

    deinit { _ = try? Self.ip(["netns", "del", name]) }

    /// `ip ARGS` inside the namespace; returns stdout.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String { try Self.ip(["-n", name] + arguments) }

    /// `ip -batch -` inside the namespace with `lines`.
    public func batch(_ lines: [String]) throws {
        try Self.ip(["-n", name, "-batch", "-"], input: lines.joined(separator: "\n") + "\n")
    }

    /// `nft ARGS` inside the namespace (for foreign tables the code must leave alone).
    @discardableResult
    public func nft(_ arguments: [String], input: String? = nil) throws -> String {
        try Self.execute("/usr/sbin/ip", ["netns", "exec", name, "nft"] + arguments, input: input)
    }

    @discardableResult
    public static func ip(_ arguments: [String], input: String? = nil) throws -> String {
        let path = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "ip"
        return try execute(path, arguments, input: input)
    }

    @discardableResult
    public static func execute(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NamespaceError("\(executable) \(arguments.joined(separator: " ")): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public struct NamespaceError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
