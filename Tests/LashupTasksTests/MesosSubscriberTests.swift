import LashupCRDT
import LashupClusterTesting
import LashupLB
import LashupTasks
import LashupTestSupport
import Logging
import Testing

/// The master's `SUBSCRIBE` source against real HTTP servers speaking the operator API.
@Suite(.onOwnThread, .enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
struct MesosSubscriberTests {
    /// The heartbeat interval the tests' `SUBSCRIBED` announce: the servers beat every 0.2 s,
    /// so a stream counts as stalled only after 3 s without five beats in a row (a loaded
    /// machine does not restart it by mistake); the stall test announces 0.2 s.
    static let heartbeat = 1.0

    /// The fixture with a short heartbeat interval in its `SUBSCRIBED`.
    static func script(heartbeat: Double = Self.heartbeat) throws -> [String] {
        var lines = try MesosFixture.lines()
        lines[0] = lines[0].replacingOccurrences(of: #""heartbeat_interval_seconds":15.0"#, with: #""heartbeat_interval_seconds":\#(heartbeat)"#)
        precondition(lines[0].contains("\(heartbeat)"), "the fixture's SUBSCRIBED names its heartbeat interval")
        return lines
    }

    /// The tasks the fixture's events give, by the table (whose rules `MesosTaskTableTests` checks).
    static func expectedTasks(_ lines: [String]) -> [TaskRecord] {
        var table = MesosTaskTable()
        for line in lines { _ = table.apply(json: Array(line.utf8)) }
        return table.tasks
    }

    static let localhost = IPAddress("127.0.0.1").map { [$0] } ?? []

    static func subscriber(_ server: MesosOperatorServer, _ recorder: MesosSourceRecorder, localIPs: Set<IPAddress> = [],
                           publishAll: Bool = true) -> MesosMasterSubscriber {
        MesosMasterSubscriber(client: MesosOperatorClient(endpoint: MesosEndpoint(host: "127.0.0.1", port: server.port), responseTimeout: .seconds(10)),
                              localIPs: localIPs, masters: localhost, publishAll: publishAll, sink: recorder.sink,
                              problems: MesosSourceRecorder.problems(), defaultHeartbeatInterval: .seconds(5),
                              retryInterval: .milliseconds(50), maximumBackoff: .milliseconds(400), observer: recorder.observer)
    }

    @Test func publishesTheFixtureThenResubscribesAfterADropWithoutDuplicates() async throws {
        let script = try Self.script()
        let expected = Self.expectedTasks(script)
        #expect(expected.count == 12)
        let server = try await MesosOperatorServer.start(script: script, heartbeatInterval: .milliseconds(200))
        let all = MesosSourceRecorder()
        let local = MesosSourceRecorder()
        let agent4 = try #require(IPAddress("172.17.0.4"))
        let runs = [Task { await Self.subscriber(server, all).run() },
                    Task { await Self.subscriber(server, local, localIPs: [agent4], publishAll: false).run() }]
        defer { runs.forEach { $0.cancel() } }

        #expect(await eventually { all.last?.tasks == expected })
        #expect(all.last?.lines == ["dcos.thisdcos.directory": ["leader.dcos.thisdcos.directory A 127.0.0.1", "master.dcos.thisdcos.directory A 127.0.0.1"],
                                    "zk": Set((1...5).map { "zk-\($0).zk A 127.0.0.1" })])
        // Only this host's tasks when not publishing all: those on 172.17.0.4.
        #expect(await eventually { local.last?.tasks == expected.filter { $0.agentIP == agent4 } })
        #expect(local.last?.tasks.count == 7)

        let before = all.publicationCount
        server.dropStreams()
        #expect(await eventually { all.subscriptions.count >= 2 && all.publicationCount > before && all.last?.tasks == expected })
        let after = try #require(all.last)
        #expect(Set(after.tasks.map(\.key)).count == after.tasks.count, "no task twice")
        #expect(all.failures.first.map { $0.error.cause } == "unreachable")
        await server.stop()
    }

    /// With a master's real snapshot (every task in `SUBSCRIBED`), nothing is ever withdrawn:
    /// not before the snapshot, not while the stream is down, not while resubscribing.
    @Test func aResubscriptionNeverWithdrawsTheTasks() async throws {
        let lines = try MesosFixture.lines()
        let expected = Self.expectedTasks(lines)
        let server = try await MesosOperatorServer.start(script: [try MesosFixture.subscribed(from: lines, heartbeat: Self.heartbeat)])
        let recorder = MesosSourceRecorder()
        let run = Task { await Self.subscriber(server, recorder).run() }
        defer { run.cancel() }
        #expect(await eventually { recorder.last?.tasks == expected })
        for round in 1...3 {
            server.dropStreams()
            #expect(await eventually { recorder.subscriptions.count > round && recorder.last?.tasks == expected })
        }
        let publications = recorder.allPublications
        #expect(publications.allSatisfy { $0.tasks == expected }, "every publication is the whole snapshot")
        #expect(recorder.withdrawals == 0)
        await server.stop()
    }

    @Test func emittedEventsChangeThePublishedTasks() async throws {
        let script = try Self.script()
        let server = try await MesosOperatorServer.start(script: script)
        let recorder = MesosSourceRecorder()
        let run = Task { await Self.subscriber(server, recorder).run() }
        defer { run.cancel() }
        #expect(await eventually { recorder.last?.tasks.count == 12 })
        server.emit(MesosEvents.taskUpdated(id: "docker-on-ipv6.602453f2-28e7-11e8-8cba-70b3d5800001", state: "TASK_KILLING"))
        #expect(await eventually { recorder.last?.tasks.first { $0.name == "docker-on-ipv6" }?.state == .killing })
        server.emit(MesosEvents.taskUpdated(id: "docker-on-ipv6.602453f2-28e7-11e8-8cba-70b3d5800001", state: "TASK_KILLED"))
        #expect(await eventually { recorder.last?.tasks.count == 11 })
        #expect(recorder.last?.tasks.contains { $0.name == "docker-on-ipv6" } == false)
        await server.stop()
    }

    @Test func followsTheLeaderThroughA307() async throws {
        let script = try Self.script()
        // The new leader knows one task fewer, so what is published shows who served it.
        let leaderScript = script.filter { !$0.contains("docker-on-ipv6") }
        let old = try await MesosOperatorServer.start(script: script)
        let new = try await MesosOperatorServer.start(script: leaderScript)
        let recorder = MesosSourceRecorder()
        let run = Task { await Self.subscriber(old, recorder).run() }
        defer { run.cancel() }
        #expect(await eventually { recorder.last?.tasks.count == 12 })
        #expect(recorder.subscriptions.allSatisfy { $0.port == old.port })

        old.redirect(to: new)
        old.dropStreams()
        #expect(await eventually { recorder.subscriptions.last?.port == new.port })
        #expect(await eventually { recorder.last?.tasks.count == 11 })
        #expect(recorder.last?.tasks == Self.expectedTasks(leaderScript))
        #expect(recorder.last?.lines["dcos.thisdcos.directory"]?.contains("leader.dcos.thisdcos.directory A 127.0.0.1") == true)
        #expect(new.subscribeRequests >= 1)
        await old.stop()
        await new.stop()
    }

    @Test func aStalledStreamIsRestartedWithinThreeHeartbeats() async throws {
        let server = try await MesosOperatorServer.start(script: try Self.script(heartbeat: 0.2), heartbeatInterval: .milliseconds(200))
        let recorder = MesosSourceRecorder()
        let run = Task { await Self.subscriber(server, recorder).run() }
        defer { run.cancel() }
        #expect(await eventually { recorder.last?.tasks.count == 12 })
        #expect(server.openStreams == 1)

        let clock = ContinuousClock()
        let (subscriptions, failures) = (recorder.subscriptions.count, recorder.failures.count)
        let stalledAt = clock.now
        server.stall()
        #expect(await eventually(within: .seconds(20)) { recorder.subscriptions.count > subscriptions })
        let elapsed = clock.now - stalledAt
        let failure = try #require(recorder.failures.dropFirst(failures).first)
        #expect(failure.error.kind == .timedOut, "\(failure.error)")
        // 3 × 0.2 s after the last heartbeat (at most one interval, give or take, before the
        // stall), plus the 50 ms retry. No upper wall-clock bound (a loaded machine would break
        // it): the 20 s wait above already excludes the default interval's 45 s, so the
        // interval came from SUBSCRIBED; the lower bound shows it did not fire early.
        #expect(elapsed >= .milliseconds(300), "restarted after \(elapsed): before the stream was silent for 3 intervals")
        #expect(await eventually { server.openStreams == 1 }, "the stalled connection was closed")
        #expect(await eventually { recorder.last?.tasks.count == 12 }, "the new stream's events replayed")
        await server.stop()
    }

    @Test func tasksThatEndedWhileTheStreamWasDownAreGone() async throws {
        let script = try Self.script()
        let server = try await MesosOperatorServer.start(script: script)
        let recorder = MesosSourceRecorder()
        let run = Task { await Self.subscriber(server, recorder).run() }
        defer { run.cancel() }
        #expect(await eventually { recorder.last?.tasks.count == 12 })

        server.refuse(true)
        server.dropStreams()
        #expect(await eventually { recorder.failures.count >= 3 }, "resubscribing fails while the master is down")
        #expect(recorder.last?.tasks.count == 12, "kept while down")
        // Meanwhile docker-on-ipv6 ended and the master forgot it: the new snapshot lacks it.
        server.setScript(script.filter { !$0.contains("docker-on-ipv6") })
        server.refuse(false)
        #expect(await eventually { recorder.last?.tasks.count == 11 })
        #expect(recorder.last?.tasks.contains { $0.name == "docker-on-ipv6" } == false)
        #expect(recorder.withdrawals == 0)
        await server.stop()
    }

    /// Events that do not decode are skipped and counted, the rest applied; a stream whose
    /// framing breaks is dropped and resubscribed.
    @Test func badEventsAreSkippedAndABrokenStreamResubscribed() async throws {
        let script = try Self.script()
        let server = try await MesosOperatorServer.start(script: script)
        let recorder = MesosSourceRecorder()
        let run = Task { await Self.subscriber(server, recorder).run() }
        defer { run.cancel() }
        #expect(await eventually { recorder.last?.tasks.count == 12 })
        server.emit(#"{"type":"TASK_ADDED"}"#)
        server.emit(#"{"type":"TASK_MOVED","task_moved":{}}"#)
        server.emit(MesosEvents.taskUpdated(id: "docker-on-ipv6.602453f2-28e7-11e8-8cba-70b3d5800001", state: "TASK_NAPPING"))
        server.emit(MesosEvents.taskUpdated(id: "docker-on-host.116271db-2630-11e8-af52-70b3d5800001", state: "TASK_FAILED"))
        #expect(await eventually { recorder.last?.tasks.count == 10 })
        #expect(recorder.skipped.map(\.cause) == ["malformed_event", "unknown_event", "unknown_state"])
        #expect(recorder.subscriptions.count == 1, "skipping events does not end the stream")
        let names = Set(recorder.last?.tasks.map(\.name) ?? [])
        #expect(!names.contains("docker-on-host") && !names.contains("docker-on-ipv6") && names.contains("docker-on-bridge"))

        server.emitRaw("12x\n")
        #expect(await eventually { recorder.subscriptions.count >= 2 })
        let failure = try #require(recorder.failures.first)
        #expect(failure.error.kind == .malformedStream(.nonDigitInLength(byte: UInt8(ascii: "x"))))
        #expect(failure.error.cause == "bad_response")
        // The new stream replays the script, emitted events included.
        #expect(await eventually { recorder.last?.tasks.count == 10 && recorder.subscriptions.count >= 2 })
        await server.stop()
    }

    /// The production sink: the subscriber replaces the Mesos tasks of a real `TaskPublisher`
    /// (on an in-memory node), only those on this host.
    @Test func feedsATaskPublisher() async throws {
        let script = try Self.script()
        let agent3 = try #require(IPAddress("172.17.0.3"))
        let expected = Self.expectedTasks(script).filter { $0.agentIP == agent3 }
        let cluster = InMemoryCluster(nodes: 1, seed: 11)
        let balancer = LoadBalancer(cluster: cluster.node(0), localName: "node-0", dataplane: nil, logger: Logger(label: "test.lb"), publishDNS: { _ in })
        let publisher = TaskPublisher(cluster: cluster.node(0), balancer: balancer, localName: "node-0", logger: Logger(label: "test.tasks"))
        let server = try await MesosOperatorServer.start(script: script)
        let subscriber = MesosMasterSubscriber(
            client: MesosOperatorClient(endpoint: MesosEndpoint(host: "127.0.0.1", port: server.port)), localIPs: [agent3],
            masters: Self.localhost, sink: MesosTaskSinks.publisher(publisher), problems: MesosSourceRecorder.problems(),
            retryInterval: .milliseconds(50))
        let run = Task { await subscriber.run() }
        defer { run.cancel() }
        #expect(await eventually { await publisher.current(.mesos) == expected })
        #expect(expected.map(\.name).sorted() == ["pod-on-bridge", "pod-on-dcos", "ucr-on-bridge", "ucr-on-dcos", "ucr-on-host"])
        await server.stop()
    }
}
