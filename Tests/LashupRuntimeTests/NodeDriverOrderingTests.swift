import LashupCRDT
import LashupCluster
import LashupMembership
import LashupNode
@testable import LashupRuntime
import LashupStore
import LashupTestSupport
import Logging
import NIOPosix
import Synchronization
import Testing

/// The driver's one promise about effects: a persist is on disk before any later effect of
/// its step (or of a later step) runs, so no delta leaves a node before it is durable there;
/// and a failed persist sends nothing.
@Suite("Node driver: persist before send", .onDedicatedThread)
struct NodeDriverOrderingTests {
    /// What the fakes saw, in order: `persist-begin`, `persist-end`, `persist-failed`, `send`.
    final class EffectLog: Sendable {
        let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
        func clear() { entries.withLock { $0.removeAll() } }
    }

    struct RecordingTransport: MessageTransport {
        let log: EffectLog
        func send(_ message: ClusterMessage, to peer: Peer) { log.append("send") }
        func disconnect(_ node: NodeID) {}
        var statistics: TransportStatistics { TransportStatistics() }
    }

    /// Holds the first persist until `release` (so a second update arrives while the disk is
    /// busy); fails every persist while `failing`; remembers the keys it wrote.
    final class RecordingStorage: DurableStorage {
        let log: EffectLog
        let failing: Mutex<Bool>
        let gate: AsyncStream<Void>?
        let calls = Mutex(0)
        let written = Mutex<Set<Key>>([])

        struct DiskFull: Error {}

        init(log: EffectLog, failing: Bool, gate: AsyncStream<Void>?) {
            self.log = log
            self.failing = Mutex(failing)
            self.gate = gate
        }

        func persist(_ write: DurableWrite) async throws {
            let call = calls.withLock { count in
                count += 1
                return count
            }
            log.append("persist-begin")
            if call == 1, let gate {
                for await _ in gate { break }
            }
            if failing.withLock({ $0 }) {
                log.append("persist-failed")
                throw DiskFull()
            }
            written.withLock { $0.formUnion(write.keys.keys) }
            log.append("persist-end")
        }
    }

    /// Node `a` with `b` in its active view, joined by passing their messages by hand, so an
    /// update at `a` has a neighbour to send its delta to.
    static func joinedNode() -> LashupNode {
        let a = Peer(id: NodeID("a"), address: "10.0.0.1:1"), b = Peer(id: NodeID("b"), address: "10.0.0.2:1")
        var nodes = [
            a.id: LashupNode(me: a, incarnation: 1, replica: ReplicaID("a~1"), contacts: [b], seed: 1),
            b.id: LashupNode(me: b, incarnation: 1, replica: ReplicaID("b~1"), contacts: [], seed: 2),
        ]
        var inFlight: [(from: Peer, to: NodeID, message: ClusterMessage)] = []
        var now = Instant(nanoseconds: 0)
        func absorb(_ effects: [ClusterEffect], from: Peer) {
            for case let .send(to, message) in effects { inFlight.append((from, to.id, message)) }
        }
        absorb(nodes[a.id]!.handle(.start, now: now), from: a)
        absorb(nodes[b.id]!.handle(.start, now: now), from: b)
        for _ in 0..<50 where !inFlight.isEmpty {
            let delivering = inFlight
            inFlight.removeAll()
            now = Instant(nanoseconds: now.nanoseconds + 1_000_000)
            for (from, to, message) in delivering {
                guard var node = nodes[to] else { continue }
                absorb(node.handle(.message(from: from, message), now: now), from: node.me)
                nodes[to] = node
            }
        }
        return nodes[a.id]!
    }

    func driver(storage: RecordingStorage, log: EffectLog) -> NodeDriver {
        let node = Self.joinedNode()
        var logger = Logger(label: "driver-ordering")
        logger.logLevel = .critical
        return NodeDriver(
            node: node, transport: RecordingTransport(log: log), storage: storage, clock: RuntimeClock(),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: logger, inbox: NodeInbox()
        )
    }

    let key = try! Key(parsing: "minuteman/vips")
    let add: [MapOperation] = [.update("backends", .add("10.0.0.9:80"))]

    @Test("the joined node has a neighbour, so an update sends its delta")
    func fixtureHasNeighbour() {
        #expect(Self.joinedNode().gossip.membership.activeView.map(\.id) == [NodeID("b")])
    }

    @Test("an update's delta is sent only after its persist ended")
    func persistThenSend() async throws {
        let log = EffectLog()
        let driver = driver(storage: RecordingStorage(log: log, failing: false, gate: nil), log: log)
        _ = try await driver.update(key, add)
        await driver.waitUntilIdle()
        let entries = log.all
        let firstSend = try #require(entries.firstIndex(of: "send"), "the update sent nothing: \(entries)")
        #expect(entries.firstIndex(of: "persist-end").map { $0 < firstSend } == true, "\(entries)")
    }

    @Test("while a persist is on the disk, a later update's effects wait: nothing is sent until it ends")
    func laterStepsWait() async throws {
        let log = EffectLog()
        let (gate, release) = AsyncStream.makeStream(of: Void.self)
        let driver = driver(storage: RecordingStorage(log: log, failing: false, gate: gate), log: log)
        let first = Task { try await driver.update(key, add) }
        while !log.all.contains("persist-begin") { try await Task.sleep(for: .milliseconds(1)) }
        let second = Task { try await driver.update(try Key(parsing: "minuteman/other"), add) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(log.all == ["persist-begin"], "something ran before the first persist ended")
        release.yield()
        release.finish()
        _ = try await first.value
        _ = try await second.value
        await driver.waitUntilIdle()
        let entries = log.all
        // Every send follows a completed persist, and none falls inside one.
        var open = false, ended = 0
        for entry in entries {
            switch entry {
            case "persist-begin": open = true
            case "persist-end": open = false; ended += 1
            default: #expect(!open && ended > 0, "a send ran before its persist ended: \(entries)")
            }
        }
        #expect(ended == 2, "\(entries)")
        #expect(await driver.statistics().commitTransactions == 2)
    }

    @Test("a failed persist: the update throws and nothing is sent")
    func failedPersistSendsNothing() async throws {
        let log = EffectLog()
        let driver = driver(storage: RecordingStorage(log: log, failing: true, gate: nil), log: log)
        await #expect(throws: (any Error).self) { _ = try await driver.update(key, add) }
        await driver.waitUntilIdle()
        // The node's timers go on firing, and every later batch writes the kept state again
        // (the next test covers that), so a loaded machine may log more attempts than one:
        // each must fail, and none may send.
        let entries = log.all
        #expect(Array(entries.prefix(2)) == ["persist-begin", "persist-failed"], "\(entries)")
        #expect(!entries.contains("send"), "a delta left the node after a failed persist: \(entries)")
        #expect(!entries.contains("persist-end"), "\(entries)")
        #expect(await driver.statistics().storeUpdateFailures == 1)
    }

    @Test("a failed persist is kept in memory and written again once the disk takes writes")
    func failedPersistIsRetried() async throws {
        let log = EffectLog()
        let storage = RecordingStorage(log: log, failing: true, gate: nil)
        let driver = driver(storage: storage, log: log)
        await #expect(throws: (any Error).self) { _ = try await driver.update(key, add) }
        await driver.waitUntilIdle()
        #expect(await driver.statistics().commitUndurableKeys == 1)
        #expect(await driver.node.space.value(key).store.isEmpty == false, "the node holds the update in memory")

        storage.failing.withLock { $0 = false }
        // The driver retries every second; give it ten.
        for _ in 0..<100 where !storage.written.withLock({ $0.contains(key) }) { try await Task.sleep(for: .milliseconds(100)) }
        #expect(storage.written.withLock { $0.contains(key) }, "the kept state was never written: \(log.all)")
        await driver.waitUntilIdle()
        #expect(await driver.statistics().commitUndurableKeys == 0)
        #expect(await driver.statistics().commitFailures == 0)
    }
}
