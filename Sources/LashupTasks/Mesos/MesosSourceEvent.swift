/// Where a Mesos source hands its tasks: the full snapshot of this host's Mesos tasks and the
/// extra record lines by zone (`leader.`/`master.`). `TaskPublisher`'s `replace(.mesos, …)`
/// in production (see `MesosTaskSinks.publisher`); a recorder in tests.
public typealias MesosTaskSink = @Sendable (_ tasks: [TaskRecord], _ extraLines: [String: Set<String>]) async -> Void

/// Ready-made sinks.
public enum MesosTaskSinks {
    /// The sink that replaces the publisher's Mesos tasks.
    public static func publisher(_ publisher: TaskPublisher) -> MesosTaskSink {
        { tasks, lines in await publisher.replace(.mesos, with: tasks, extraLines: lines) }
    }
}

/// What a Mesos source did, for logs, the dashboard and tests (which assert the schedule
/// without reading clocks).
public enum MesosSourceEvent: Sendable {
    /// A snapshot went to the sink (`tasks` of them).
    case published(tasks: Int)
    /// A `SUBSCRIBE` stream started, served by `endpoint` (the leading master).
    case subscribed(MesosEndpoint)
    /// A poll or a stream failed; the next attempt comes after `retryIn`.
    case failed(MesosOperatorError, retryIn: Duration)
    /// Failures lasted longer than `staleAfter`: the tasks were withdrawn.
    case withdrawn
    /// Input skipped (also reported to `SourceProblems`, which counts and logs it).
    case skipped(MesosProblem)
}

/// A callback for `MesosSourceEvent`s.
public typealias MesosSourceObserver = @Sendable (MesosSourceEvent) -> Void
