import Foundation
import LashupTestSupport
import Testing

/// `scripts/tasks-e2e`: three virtual hosts in network namespaces, `podman system service`
/// on two of them, real containers with a VIP label: their names resolve and their VIP
/// reaches both from the third host; a stopped container's backend goes everywhere within
/// 2 s; a registered service's failing TCP check drains it and a passing one restores it.
/// Needs root, `ip`, `nft`, `dig`, podman and busybox; elsewhere the test is skipped, never passed.
@Suite("Task sources end to end in network namespaces", .onOwnThread)
struct TasksEndToEndTests {
    static var canRun: Bool {
        ChaosTests.canRun && ["dig", "podman", "busybox", "nsenter"].allSatisfy(ChaosTests.installed)
    }

    @Test("3 hosts, podman on two: every check of scripts/tasks-e2e passes",
          .enabled(if: canRun, "needs root with iproute2, nftables, dnsutils, podman, busybox-static and util-linux"), .timeLimit(.minutes(5)))
    func threeHosts() throws {
        let (status, text, last) = try runScript("tasks-e2e", ["--binary", try LashupBinary.url().path])
        #expect(status == 0, "tasks-e2e failed:\n\(text)")
        #expect(last.hasSuffix(" checks, 0 failed") && !last.hasPrefix("tasks-e2e: 0 checks"), "\(last)")
    }
}
