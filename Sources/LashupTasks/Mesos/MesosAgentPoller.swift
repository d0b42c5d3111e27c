import LashupCRDT

/// The Mesos task source of a host running a Mesos agent: polls the local agent's
/// `GET_STATE` every `interval` and hands its tasks, all on this host, to the sink.
///
/// A failed poll is counted (`unreachable` when the agent could not be asked, `bad_response`
/// when its answer was unusable) and retried after a back-off that doubles up to
/// `maximumBackoff` and resets on the next success. A failed poll does NOT withdraw the
/// published tasks: a Mesos agent restarting (or upgrading) must not pull every backend out
/// of its VIPs while its containers keep serving. Only after `staleAfter` of uninterrupted
/// failures are the tasks withdrawn (an empty snapshot), since by then they are more likely
/// gone than alive; the next successful poll publishes them again.
public struct MesosAgentPoller: Sendable {
    let client: MesosOperatorClient
    let agentIP: IPAddress
    let sink: MesosTaskSink
    let problems: SourceProblems
    let metrics: TaskMetrics
    let interval: Duration
    let maximumBackoff: Duration
    let staleAfter: Duration
    let observer: MesosSourceObserver?

    /// - Parameters:
    ///   - client: the local agent's operator API (`http://<agent>:5051/api/v1`).
    ///   - agentIP: this host's IP, every task's agent IP (an agent's `GET_STATE` does not
    ///     say which address the rest of the cluster reaches it on).
    public init(client: MesosOperatorClient, agentIP: IPAddress, sink: @escaping MesosTaskSink, problems: SourceProblems,
                metrics: TaskMetrics = TaskMetrics(), interval: Duration = .seconds(2), maximumBackoff: Duration = .seconds(30),
                staleAfter: Duration = .seconds(300), observer: MesosSourceObserver? = nil) {
        self.client = client
        self.agentIP = agentIP
        self.sink = sink
        self.problems = problems
        self.metrics = metrics
        self.interval = interval
        self.maximumBackoff = max(maximumBackoff, interval)
        self.staleAfter = staleAfter
        self.observer = observer
    }

    /// Polls until the task is cancelled.
    public func run() async {
        let clock = ContinuousClock()
        var backoff = interval
        var lastSuccess = clock.now
        var withdrawn = false
        var failing = false
        while !Task.isCancelled {
            do throws(MesosOperatorError) {
                let tasks = try await poll()
                await sink(tasks, [:])
                metrics.reads(.mesos).increment()
                observer?(.published(tasks: tasks.count))
                if failing {
                    problems.recovered("unreachable")
                    problems.recovered("bad_response")
                    failing = false
                }
                backoff = interval
                lastSuccess = clock.now
                withdrawn = false
                try? await Task.sleep(for: interval)
            } catch {
                failing = true
                problems.report(error.cause, "polling the Mesos agent: \(error) (keeping the tasks last seen; retrying in \(backoff))")
                observer?(.failed(error, retryIn: backoff))
                if !withdrawn, clock.now - lastSuccess >= staleAfter {
                    // Long enough that the tasks are more likely gone than alive.
                    await sink([], [:])
                    withdrawn = true
                    observer?(.withdrawn)
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, maximumBackoff)
            }
        }
    }

    /// One `GET_STATE`, as the tasks to publish.
    func poll() async throws(MesosOperatorError) -> [TaskRecord] {
        let body = try await client.getState()
        var table = MesosTaskTable()
        for problem in table.apply(json: body) {
            problems.report(problem.cause, problem.detail)
            observer?(.skipped(problem))
        }
        guard table.snapshots == 1 else {
            let start = String(decoding: body.prefix(200), as: UTF8.self)
            throw MesosOperatorError(.malformedResponse, "the Mesos agent's GET_STATE answer is not a GET_STATE response: \(start)")
        }
        return table.tasks.map { task in
            var task = task
            task.agentIP = agentIP
            return task
        }
    }
}
