import Foundation
import LashupNode
import LashupTestSupport
import Testing

/// Rolling upgrades: agents of adjacent protocol versions form one cluster; an agent of a
/// version older than the oldest accepted is refused, with one line naming both versions on
/// each side. (Debug builds let a test agent speak another version:
/// `LASHUP_TEST_PROTOCOL_VERSION`.)
@Suite("Mixed protocol versions", .serialized, .onOwnThread)
struct MixedVersionTests {
    @Test("versions N and N+1 interoperate; N-1 below the oldest accepted is refused by name on both sides")
    func adjacentAndTooOld() throws {
        let home = try makeTemporaryDirectory("versions")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let current = Hello.protocolVersion
        let old = try AgentProcess(name: "v-current", home: home, dataDirectory: "\(home)/data-0")
        defer { old.stopIfRunning() }
        let newer = try AgentProcess(name: "v-next", home: home, dataDirectory: "\(home)/data-1", join: [old.gossip],
                                     overrides: ["LASHUP_TEST_PROTOCOL_VERSION": "\(current + 1)"])
        defer { newer.stopIfRunning() }
        let together = try waitUntil(seconds: 20) { try old.reachableNames() == ["v-current", "v-next"] && newer.reachableNames() == ["v-current", "v-next"] }
        #expect(together != nil, "adjacent versions did not form one cluster:\n\(old.log.suffix(1_500))\n\(newer.log.suffix(1_500))")
        #expect(newer.log.contains("speaking protocol version \(current + 1)"))

        let tooOld = try AgentProcess(name: "v-old", home: home, dataDirectory: "\(home)/data-2", join: [old.gossip],
                                      overrides: ["LASHUP_TEST_PROTOCOL_VERSION": "\(Hello.oldestAcceptedVersion - 1)"])
        defer { tooOld.stopIfRunning() }
        let expected = "protocol version \(Hello.oldestAcceptedVersion - 1) is too old: this node speaks \(current) and accepts \(Hello.oldestAcceptedVersion)–\(current + 1)"
        let refused = waitUntil(seconds: 20) { old.log.contains(expected) && tooOld.log.contains("refused this node: \(expected)") }
        #expect(refused != nil, "no refusal naming both versions:\n\(old.log.suffix(1_500))\n\(tooOld.log.suffix(1_500))")
        #expect(try old.reachableNames() == ["v-current", "v-next"], "the too-old agent must not be in the cluster")
    }
}
