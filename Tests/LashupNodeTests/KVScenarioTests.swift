import LashupSimulation
import LashupTestSupport
import Testing

/// The `lashup sim kv` scenario at test scale: partition, loss and crash/restarts while
/// writers write, then healing.
@Suite("KV scenario", .onDedicatedThread)
struct KVScenarioTests {
    func scenario(seed: UInt64) -> KVScenario {
        var scenario = KVScenario(nodes: 24, seed: seed)
        scenario.writers = 8
        scenario.opsPerWriter = 12
        scenario.keys = 4
        scenario.partitionSeconds = 20
        scenario.crashFraction = 0.15
        scenario.loss = 0.02
        scenario.checkInvariants = true
        return scenario
    }

    @Test("nothing acknowledged is lost and every replica converges after healing", arguments: [1] as [UInt64])
    func nothingLost(seed: UInt64) {
        let result = scenario(seed: seed).run()
        #expect(result.acknowledgedOps > 0)
        #expect(result.crashes > 0)
        #expect(result.lostOps == 0)
        #expect(result.converged)
        #expect(result.distinctDigestsAtEnd == 1)
        #expect((result.convergeSecondsAfterHeal ?? .infinity) <= 10)
        #expect(result.deltaBytesP99 > 0 && result.deltaBytesP99 < 200)
        #expect(result.invariantViolations.isEmpty, "\(result.invariantViolations)")
    }

    @Test("the same seed replays the same run")
    func replays() {
        var replayed = scenario(seed: 5)
        replayed.checkInvariants = false
        let first = replayed.run()
        let second = replayed.run()
        #expect(first.traceHash == second.traceHash)
        #expect(first.acknowledgedOps == second.acknowledgedOps)
    }
}
