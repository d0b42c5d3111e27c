import Metrics

/// The task sources' and publisher's counters and gauges, labelled by source.
public struct TaskMetrics: Sendable {
    public init() {}

    /// Tasks this agent publishes, per source.
    func tasks(_ source: TaskSource) -> Gauge { Gauge(label: "lashup_tasks", dimensions: [("source", source.rawValue)]) }
    /// DNS record lines and VIP backends this agent publishes for its tasks.
    let records = Gauge(label: "lashup_task_dns_records")
    let backends = Gauge(label: "lashup_task_backends")
    /// Store writes made to publish, and those that failed (retried).
    let publishes = Counter(label: "lashup_task_publishes_total")
    let publishFailures = Counter(label: "lashup_task_publish_failures_total")
    /// Tasks a source reported beyond the bound, not published.
    func overflow(_ source: TaskSource) -> Counter { Counter(label: "lashup_task_overflow_total", dimensions: [("source", source.rawValue)]) }
    /// Input a source skipped (a malformed frame, an unknown state, a label that does not
    /// parse, a socket that went away), by cause.
    func problems(_ source: TaskSource, cause: String) -> Counter {
        Counter(label: "lashup_task_source_problems_total", dimensions: [("source", source.rawValue), ("cause", cause)])
    }
    /// Successful reads (polls, stream events) per source.
    func reads(_ source: TaskSource) -> Counter { Counter(label: "lashup_task_source_reads_total", dimensions: [("source", source.rawValue)]) }
}
