import LashupCRDT
import Synchronization

/// The Mesos task source of a host running a Mesos master: `SUBSCRIBE`s to the leading master
/// and hands the sink, after each batch of events, the tasks that run on this host (or all
/// tasks, with `publishAll`) and the `leader.`/`master.` records.
///
/// - Each subscription starts from a fresh table that its `SUBSCRIBED` snapshot fills, so tasks
///   that ended while no stream was open are gone after resubscribing (nothing leaks), and
///   nothing is published before that snapshot (an empty table would withdraw every task).
/// - A master that is not the leader answers 307; the client follows it, and `leader.` names
///   whichever master actually served the stream.
/// - Liveness: Mesos sends a heartbeat every `heartbeat_interval_seconds` (from `SUBSCRIBED`;
///   `defaultHeartbeatInterval` until then). Nothing at all — no event, no heartbeat — for
///   three intervals means the stream is stalled (a half-open connection, a hung master): it
///   is closed and a new subscription made.
/// - A dropped or stalled stream is retried after a back-off that starts at `retryInterval`,
///   doubles up to `maximumBackoff` and resets once a stream delivered its snapshot. The tasks
///   stay published meanwhile; after `staleAfter` without a stream they are withdrawn.
public struct MesosMasterSubscriber: Sendable {
    let client: MesosOperatorClient
    let localIPs: Set<IPAddress>
    let masters: [IPAddress]
    let publishAll: Bool
    let sink: MesosTaskSink
    let problems: SourceProblems
    let metrics: TaskMetrics
    let defaultHeartbeatInterval: Duration
    let retryInterval: Duration
    let maximumBackoff: Duration
    let staleAfter: Duration
    let observer: MesosSourceObserver?

    /// Heartbeat intervals missed before a stream counts as stalled.
    public static let missedHeartbeats = 3

    /// - Parameters:
    ///   - client: the operator API of a master (this host's, usually; redirects lead on).
    ///   - localIPs: this host's addresses: only tasks whose agent IP is one of them are
    ///     published (each agent publishes its own), unless `publishAll`.
    ///   - masters: every configured master's IP, for `master.dcos.thisdcos.directory`.
    public init(client: MesosOperatorClient, localIPs: Set<IPAddress>, masters: [IPAddress], publishAll: Bool = false,
                sink: @escaping MesosTaskSink, problems: SourceProblems, metrics: TaskMetrics = TaskMetrics(),
                defaultHeartbeatInterval: Duration = .seconds(15), retryInterval: Duration = .seconds(1),
                maximumBackoff: Duration = .seconds(30), staleAfter: Duration = .seconds(300), observer: MesosSourceObserver? = nil) {
        self.client = client
        self.localIPs = localIPs
        self.masters = masters
        self.publishAll = publishAll
        self.sink = sink
        self.problems = problems
        self.metrics = metrics
        self.defaultHeartbeatInterval = defaultHeartbeatInterval
        self.retryInterval = retryInterval
        self.maximumBackoff = max(maximumBackoff, retryInterval)
        self.staleAfter = staleAfter
        self.observer = observer
    }

    /// Subscribes, and resubscribes, until the task is cancelled.
    public func run() async {
        let clock = ContinuousClock()
        var backoff = retryInterval
        var lastStream = clock.now
        var withdrawn = false
        while !Task.isCancelled {
            let failure: MesosOperatorError
            do throws(MesosOperatorError) {
                let subscription = try await client.subscribe()
                observer?(.subscribed(subscription.endpoint))
                let snapshotSeen = Flag()
                failure = await follow(subscription, snapshotSeen: snapshotSeen)
                if snapshotSeen.isSet {
                    backoff = retryInterval
                    lastStream = clock.now
                    withdrawn = false
                }
            } catch {
                failure = error
            }
            if Task.isCancelled { return }
            problems.report(failure.cause, "the Mesos master's event stream: \(failure) (keeping the tasks last seen; resubscribing in \(backoff))")
            observer?(.failed(failure, retryIn: backoff))
            if !withdrawn, clock.now - lastStream >= staleAfter {
                await sink([], [:])
                withdrawn = true
                observer?(.withdrawn)
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, maximumBackoff)
        }
    }

    /// Applies one subscription's events until it ends, breaks or stalls; returns why it ended.
    func follow(_ subscription: MesosSubscription, snapshotSeen: Flag) async -> MesosOperatorError {
        let activity = Activity(interval: defaultHeartbeatInterval)
        let leader = IPAddress(subscription.endpoint.host)
        if leader == nil {
            problems.report("leader_not_ip", "the leading master \(subscription.endpoint.host) is not an IP address: no leader. record")
        }
        let extraLines = MesosMasterRecords.lines(leader: leader, masters: masters)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var table = MesosTaskTable()
                    var published = -1
                    for try await batch in subscription.events {
                        activity.touch()
                        for frame in batch {
                            for problem in table.apply(json: frame) {
                                problems.report(problem.cause, problem.detail)
                                observer?(.skipped(problem))
                            }
                        }
                        metrics.reads(.mesos).increment()
                        if let interval = table.heartbeatInterval { activity.set(interval: interval) }
                        guard table.snapshots > 0, table.revision != published else { continue }
                        if !snapshotSeen.isSet {
                            snapshotSeen.set()
                            problems.recovered("unreachable")
                            problems.recovered("bad_response")
                        }
                        let tasks = publishAll ? table.tasks : table.tasks.filter { $0.agentIP.map(localIPs.contains) ?? false }
                        await sink(tasks, extraLines)
                        published = table.revision
                        observer?(.published(tasks: tasks.count))
                        // A slow sink is not a silent master.
                        activity.touch()
                    }
                }
                group.addTask {
                    let clock = ContinuousClock()
                    while true {
                        let deadline = activity.deadline(missing: Self.missedHeartbeats)
                        if clock.now >= deadline {
                            let silence = "\(Self.missedHeartbeats) heartbeat intervals (\(activity.interval) each)"
                            throw MesosOperatorError(.timedOut, "no event or heartbeat from \(subscription.endpoint) for \(silence): the stream stalled")
                        }
                        // Wake at least every second: SUBSCRIBED may shorten the interval (and
                        // so the deadline) while this sleeps on the default one.
                        try await Task.sleep(until: min(deadline, clock.now + .seconds(1)), clock: clock)
                    }
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
            return MesosOperatorError(.closed, "the event stream from \(subscription.endpoint) ended")
        } catch {
            return MesosOperatorClient.wrap(error, "the event stream from \(subscription.endpoint)")
        }
    }

    /// When the stream last showed life, and the heartbeat interval it promised.
    final class Activity: Sendable {
        let state: Mutex<(last: ContinuousClock.Instant, interval: Duration)>

        init(interval: Duration) { state = Mutex((ContinuousClock.now, interval)) }

        func touch() { state.withLock { $0.last = ContinuousClock.now } }
        func set(interval: Duration) { state.withLock { $0.interval = interval } }
        var interval: Duration { state.withLock { $0.interval } }
        func deadline(missing heartbeats: Int) -> ContinuousClock.Instant {
            state.withLock { $0.last + $0.interval * heartbeats }
        }
    }

    /// Set once, read from another task.
    final class Flag: Sendable {
        let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }
}
