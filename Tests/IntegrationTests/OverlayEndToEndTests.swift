import Foundation
import LashupTestSupport
import Testing

/// `scripts/overlay-e2e`: three virtual hosts (and one joining) in network namespaces, a real
/// agent programming each host's VXLAN overlay, containers attached by the real `lashup-cni`
/// plugin: distinct settled subnets, ping and TCP across hosts, the MTU, an agent restart under
/// ping, a join, a release, DEL. Needs root, `ip`, `nft`, `ping` and `nsenter`; elsewhere the
/// test is skipped, never passed.
@Suite("Overlay end to end in network namespaces", .onOwnThread)
struct OverlayEndToEndTests {
    static var canRun: Bool { ChaosTests.canRun && ChaosTests.installed("ping") && ChaosTests.installed("nsenter") }

    @Test("3 hosts and a joiner: every check of scripts/overlay-e2e passes", .enabled(if: canRun, "needs root with iproute2, nftables, iputils-ping and nsenter"),
          .timeLimit(.minutes(5)))
    func threeHosts() throws {
        let (status, text, last) = try runScript("overlay-e2e", ["--hosts", "3", "--binary", try LashupBinary.url().path])
        #expect(status == 0, "overlay-e2e failed:\n\(text)")
        #expect(last.hasSuffix(" checks, 0 failed") && !last.hasPrefix("overlay-e2e: 0 checks"), "\(last)")
    }
}
