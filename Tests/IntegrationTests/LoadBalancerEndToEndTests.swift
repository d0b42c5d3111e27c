import Foundation
import LashupTestSupport
import Testing

/// `scripts/lb-e2e`: three virtual hosts in network namespaces, a real agent programming each
/// host's kernel, real servers and clients: spread by weight, named VIPs through DNS, kill -9,
/// drain, hairpin, restart, a deleted table repaired, UDP re-pinning, DNS never ahead of the
/// kernel. Needs root, `ip`, `nft` and `dig`; elsewhere the test is skipped, never passed.
@Suite("Load balancer end to end in network namespaces", .onOwnThread)
struct LoadBalancerEndToEndTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/lb-e2e").standardizedFileURL.path

    static var canRun: Bool { ChaosTests.canRun && ChaosTests.installed("dig") }

    @Test("3 hosts: every check of scripts/lb-e2e passes", .enabled(if: canRun, "needs root with iproute2, nftables and dnsutils"), .timeLimit(.minutes(5)))
    func threeHosts() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--hosts", "3", "--binary", try LashupBinary.url().path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(process.terminationStatus == 0, "lb-e2e failed:\n\(text)")
        #expect(last.hasSuffix(" checks, 0 failed") && !last.hasPrefix("lb-e2e: 0 checks"), "\(last)")
    }
}
