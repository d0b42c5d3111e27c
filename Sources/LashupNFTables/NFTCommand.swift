import Foundation
import Glibc

/// Runs `nft`, in this network namespace or (through util-linux's `nsenter`) in another.
struct NFTCommand: Sendable {
    let nft: String
    let namespace: String?

    static func locate() -> String? {
        ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// nft may exit before it has read all of a script it refuses; writing the rest must then
    /// fail with EPIPE, not kill the agent with SIGPIPE.
    static let pipeSignalIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    init(namespace: String?) throws(NFTablesError) {
        Self.pipeSignalIgnored
        guard let nft = Self.locate() else { throw .unavailable("no nft executable in /usr/sbin, /sbin or /usr/bin (install nftables)") }
        self.nft = nft
        self.namespace = namespace
    }

    /// Runs nft with `arguments`, feeding `input`; returns stdout, or throws with stderr.
    func run(_ arguments: [String], input: String? = nil) throws(NFTablesError) -> String {
        let process = Process()
        if let namespace {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=\(namespace)", nft] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: nft)
            process.arguments = arguments
        }
        // stderr to a file: however much nft complains, it cannot block on a full pipe.
        let errorPath = NSTemporaryDirectory() + "lashup-nft-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).err"
        guard FileManager.default.createFile(atPath: errorPath, contents: nil), let errors = FileHandle(forWritingAtPath: errorPath) else {
            throw .unavailable("cannot create \(errorPath)")
        }
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        do { try process.run() } catch { throw .unavailable("cannot run \(nft): \(error)") }
        // nft reads its whole script before it acts or prints to stdout, so writing first and
        // reading after cannot deadlock.
        // A write that fails means nft has exited; its status and stderr say why.
        if let input { try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: FileManager.default.contents(atPath: errorPath) ?? Data(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            if let namespace, message.hasPrefix("nsenter:") {
                throw .unavailable("cannot enter the network namespace \(namespace): \(message.trimmingCharacters())")
            }
            if message.contains("Operation not permitted") { throw .permission(message.trimmingCharacters()) }
            throw Self.rejection(message, script: input)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nft's error (`/dev/stdin:5:3-10: Error: …`) with the script line it names.
    static func rejection(_ message: String, script: String?) -> NFTablesError {
        let lines = message.split(separator: "\n").map(String.init)
        let first = lines.first { $0.contains("Error:") } ?? lines.first ?? "exit status non-zero"
        var line: Int?
        if let range = first.range(of: "/dev/stdin:") {
            line = Int(first[range.upperBound...].prefix { $0.isNumber })
        }
        if line == 0 { line = nil }
        let text = line.flatMap { number in
            script?.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(number - 1).first.map(String.init)
        }
        let summary = first.range(of: "Error:").map { String(first[$0.lowerBound...]) } ?? first
        return .rejected(message: summary, line: line, text: text)
    }
}
