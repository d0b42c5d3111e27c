import LashupCRDT
import LashupTasks
import LashupTestSupport
import Testing

/// The agent's `GET_STATE` poller, and the client's redirects and errors, against a real server.
@Suite(.onOwnThread, .enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
struct MesosAgentPollerTests {
    static func server() async throws -> MesosOperatorServer {
        let lines = try MesosFixture.lines()
        return try await MesosOperatorServer.start(script: lines, getState: try MesosFixture.getState(from: lines))
    }

    static func client(_ server: MesosOperatorServer) -> MesosOperatorClient {
        MesosOperatorClient(endpoint: MesosEndpoint(host: "127.0.0.1", port: server.port), connectTimeout: .seconds(2), responseTimeout: .seconds(10))
    }

    @Test func pollsBacksOffWhileDownAndKeepsTheTasks() async throws {
        let server = try await Self.server()
        let recorder = MesosSourceRecorder()
        let here = try #require(IPAddress("10.0.0.9"))
        let poller = MesosAgentPoller(client: Self.client(server), agentIP: here, sink: recorder.sink, problems: MesosSourceRecorder.problems(),
                                      interval: .milliseconds(50), maximumBackoff: .milliseconds(400), observer: recorder.observer)
        let run = Task { await poller.run() }
        defer { run.cancel() }

        #expect(await eventually { recorder.publicationCount >= 3 && server.getStateRequests >= 3 }, "polled again and again")
        let tasks = try #require(recorder.last?.tasks)
        #expect(tasks.count == 12)
        #expect(tasks.allSatisfy { $0.agentIP == here }, "every task runs on this host")
        #expect(Set(tasks.map(\.name)).contains("docker-on-ipv6"))

        server.refuse(true)
        #expect(await eventually { recorder.failures.count >= 6 })
        // Doubling from the interval to the cap.
        let delays = recorder.failures.prefix(6).map(\.retryIn)
        #expect(delays == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(400), .milliseconds(400)])
        #expect(recorder.failures.allSatisfy { $0.error.cause == "unreachable" })
        #expect(recorder.last?.tasks.count == 12, "a failed poll keeps what was published")
        #expect(recorder.withdrawals == 0)

        let published = recorder.publicationCount
        server.refuse(false)
        #expect(await eventually { recorder.publicationCount > published })
        #expect(recorder.last?.tasks.count == 12)

        // The back-off starts over after a success.
        let failed = recorder.failures.count
        server.fail(with: 503)
        #expect(await eventually { recorder.failures.count > failed })
        let next = recorder.failures[failed]
        #expect(next.retryIn == .milliseconds(50))
        #expect(next.error.kind == .status(503))
        #expect(next.error.cause == "bad_response")
        #expect(next.error.message.contains("test failure"), "the error carries the start of the body: \(next.error.message)")
        await server.stop()
    }

    @Test func tasksAreWithdrawnAfterStaleAfterOfFailures() async throws {
        let server = try await Self.server()
        let recorder = MesosSourceRecorder()
        let here = try #require(IPAddress("10.0.0.9"))
        let poller = MesosAgentPoller(client: Self.client(server), agentIP: here, sink: recorder.sink, problems: MesosSourceRecorder.problems(),
                                      interval: .milliseconds(50), maximumBackoff: .milliseconds(100), staleAfter: .milliseconds(500),
                                      observer: recorder.observer)
        let run = Task { await poller.run() }
        defer { run.cancel() }
        #expect(await eventually { recorder.last?.tasks.count == 12 })
        server.refuse(true)
        #expect(await eventually { recorder.withdrawals == 1 })
        #expect(recorder.last?.tasks.isEmpty == true)
        server.refuse(false)
        #expect(await eventually { recorder.last?.tasks.count == 12 }, "published again once the agent answers")
        await server.stop()
    }

    @Test func theClientFollowsRedirectsAndNamesBadAnswers() async throws {
        let leader = try await Self.server()
        let follower = try await Self.server()
        follower.redirect(to: leader)
        let body = try await Self.client(follower).getState()
        #expect(String(decoding: body, as: UTF8.self).contains(#""type":"GET_STATE""#))
        #expect(leader.getStateRequests == 1)
        #expect(follower.getStateRequests == 0)

        // A master redirecting to itself forever: the hop limit ends it.
        follower.redirect(to: follower)
        await #expect(throws: MesosOperatorError.self) { try await Self.client(follower).getState() }
        do {
            _ = try await Self.client(follower).getState()
        } catch {
            #expect(error.kind == .redirect)
        }

        let subscription = try await Self.client(leader).subscribe()
        #expect(subscription.endpoint.port == leader.port)
        var frames = 0
        for try await batch in subscription.events {
            frames += batch.count
            if frames >= 38 { break }
        }
        #expect(frames >= 38)

        leader.fail(with: 500)
        do {
            _ = try await Self.client(leader).subscribe()
            Issue.record("a 500 must fail")
        } catch {
            #expect(error.kind == .status(500))
        }
        await leader.stop()
        await follower.stop()
    }

    /// Answers over the client's bounds are refused, naming the bound.
    @Test func oversizeAnswersAreRefused() async throws {
        let server = try await Self.server()
        var client = Self.client(server)
        client.maximumBodyBytes = 1_000
        client.maximumFrameBytes = 1_000
        do {
            _ = try await client.getState()
            Issue.record("a GET_STATE body over the bound was accepted")
        } catch {
            #expect(error.kind == .tooLarge, "\(error)")
        }
        // The fixture's SUBSCRIBED frame is several kilobytes.
        let subscription = try await client.subscribe()
        do {
            for try await _ in subscription.events {}
            Issue.record("the stream ended without an error")
        } catch let error as MesosOperatorError {
            #expect(error.kind == .malformedStream(.frameTooLarge(length: try #require(try MesosFixture.lines().first?.utf8.count), limit: 1_000)),
                    "\(error)")
        }
        await server.stop()
    }

    /// A master that takes the request and never answers: both calls end at the deadline.
    @Test func aHungMasterTimesOut() async throws {
        let server = try await Self.server()
        server.hold(true)
        let client = MesosOperatorClient(endpoint: MesosEndpoint(host: "127.0.0.1", port: server.port), responseTimeout: .milliseconds(300))
        let clock = ContinuousClock()
        for call in ["GET_STATE", "SUBSCRIBE"] {
            let start = clock.now
            do {
                if call == "GET_STATE" { _ = try await client.getState() } else { _ = try await client.subscribe() }
                Issue.record("\(call) answered by a server that never answers")
            } catch {
                #expect(error.kind == .timedOut, "\(call): \(error)")
            }
            let took = clock.now - start
            // Not before the timeout; no upper wall-clock bound (the error kind says it was the timeout).
            #expect(took >= .milliseconds(250), "\(call) gave up after \(took)")
        }
        await server.stop()
    }
}
