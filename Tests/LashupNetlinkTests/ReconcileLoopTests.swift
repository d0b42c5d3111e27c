import LashupNetlink
import LashupTestSupport
import Logging
import Synchronization
import Testing

@Suite("Reconcile loop", .onOwnThread)
struct ReconcileLoopTests {
    final class Gate: Sendable {
        let open = Mutex(false)
        let calls = Mutex(0)
    }

    func waitUntil(_ condition: () async -> Bool) async {
        // The loop runs on the cooperative pool, which a loaded CI machine can starve for
        // seconds; the wall-time bound only keeps a broken loop from hanging the test.
        if await eventually(condition) { return }
        Issue.record("condition never held")
    }

    @Test("a pass at start; changes during a pass coalesce into one more; passes and failures counted")
    func coalesces() async throws {
        let gate = Gate()
        let loop = ReconcileLoop(service: "test", interval: .seconds(3600), logger: Logger(label: "loop")) {
            gate.calls.withLock { $0 += 1 }
            while !gate.open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
            var report = ReconcileReport()
            report.added = 1
            return report
        }
        let running = Task { await loop.run() }
        await waitUntil { gate.calls.withLock { $0 } == 1 }
        for _ in 0..<50 { loop.changed() }
        gate.open.withLock { $0 = true }
        await waitUntil { await loop.passCount == 2 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await loop.passCount == 2, "50 changes during one pass cost one more pass")
        #expect(await loop.lastReport?.added == 1)
        loop.finish()
        _ = await running.result
    }

    @Test("without changes it still runs every interval (drift repair), and a failing pass is counted, not fatal")
    func periodic() async throws {
        struct Broken: Error {}
        let calls = Mutex(0)
        let loop = ReconcileLoop(service: "test", interval: .milliseconds(20), logger: Logger(label: "loop")) {
            let call = calls.withLock { count in
                count += 1
                return count
            }
            if call == 2 { throw Broken() }
            return ReconcileReport()
        }
        let running = Task { await loop.run() }
        await waitUntil { await loop.passCount >= 4 }
        #expect(await loop.failureCount == 1)
        loop.finish()
        _ = await running.result
    }
}
