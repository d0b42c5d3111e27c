import Foundation
import LashupTestSupport
import Testing

/// The `lashup-cni` executable itself, as a runtime runs it: environment in, JSON out.
@Suite("lashup-cni executable", .onOwnThread)
struct BinaryTests {
    static func url() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("lashup-cni"),
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("lashup-cni"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/lashup-cni").standardizedFileURL,
        ]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "lashup-cni was not built; looked in \(candidates.map(\.path))")
    }

    static func run(_ environment: [String: String], input: Data) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try url()
        process.environment = environment
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The plugin may stop reading (an oversized input): a closed pipe is not a failure.
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("VERSION prints the supported versions and exits 0")
    func version() throws {
        let (status, output) = try Self.run(["CNI_COMMAND": "VERSION"], input: Data())
        #expect(status == 0)
        #expect(output == #"{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}"# + "\n")
    }

    @Test("stdin past 1 MiB is refused with code 6 and exit status 1")
    func oversizedInput() throws {
        let (status, output) = try Self.run(["CNI_COMMAND": "STATUS"], input: Data(repeating: 0x20, count: (1 << 20) + 4096))
        #expect(status == 1)
        #expect(output.contains(#""code":6"#) && output.contains("longer than 1048576 bytes"))
    }
}
