import Foundation
import LashupTestSupport
import Testing

/// `scripts/lb-e2e`: three virtual hosts in network namespaces, a real agent programming each
/// host's kernel, real servers and clients: spread by weight, named VIPs through DNS, kill -9,
/// drain, hairpin, restart, a deleted table repaired, UDP re-pinning, DNS never ahead of the
/// kernel. Needs root, `ip`, `nft` and `dig`; elsewhere the test is skipped, never passed.
@Suite("Load balancer end to end in network namespaces", .onOwnThread)
struct LoadBalancerEndToEndTests {
    static var canRun: Bool { ChaosTests.canRun && ChaosTests.installed("dig") }

    @Test("3 hosts: every check of scripts/lb-e2e passes", .enabled(if: canRun, "needs root with iproute2, nftables and dnsutils"), .timeLimit(.minutes(5)))
    func threeHosts() throws {
        let (status, text, last) = try runScript("lb-e2e", ["--hosts", "3", "--binary", try LashupBinary.url().path])
        #expect(status == 0, "lb-e2e failed:\n\(text)")
        #expect(last.hasSuffix(" checks, 0 failed") && !last.hasPrefix("lb-e2e: 0 checks"), "\(last)")
    }
}
