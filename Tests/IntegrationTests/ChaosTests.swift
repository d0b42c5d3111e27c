import Foundation
import LashupTestSupport
import Testing

/// The short version of `scripts/chaos`: five virtual hosts in network namespaces, clients on
/// each, mixed faults for 45 s, then the checker. Needs root, `ip` and `nft` (CI has them);
/// elsewhere the test is skipped, never passed.
@Suite("Chaos in network namespaces", .onOwnThread)
struct ChaosTests {
    static func installed(_ tool: String) -> Bool {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (path + ["/usr/sbin", "/sbin"]).contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    static var canRun: Bool { geteuid() == 0 && installed("ip") && installed("nft") && installed("python3") }

    @Test("5 hosts, 45 s of partitions, loss, kill -9, pauses and wiped disks: nothing lost, all converge",
          .enabled(if: canRun, "needs root with iproute2 and nftables"), .timeLimit(.minutes(15)))
    func shortRun() throws {
        let (status, text, last) = try runScript("chaos", ["--hosts", "5", "--duration", "45", "--seed", "11",
                                                           "--wipe-settle", "12", "--binary", try LashupBinary.url().path])
        #expect(status == 0, "chaos failed:\n\(text)")
        #expect(last.hasPrefix("chaos: ") && last.contains(" acknowledged, 0 lost, converged in "), "\(last)")
        let acknowledged = Int(last.dropFirst("chaos: ".count).split(separator: " ").first ?? "") ?? 0
        #expect(acknowledged > 100, "the workload hardly ran: \(last)")
    }
}
