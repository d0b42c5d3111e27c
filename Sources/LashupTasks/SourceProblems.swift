import Logging
import Synchronization

/// Reports what a task source skipped: counted every time, logged at warning the first time
/// for each cause (then at debug), so a stream of bad frames cannot flood the log. A cause
/// logs again after the source reports it recovered.
public final class SourceProblems: Sendable {
    let source: TaskSource
    let logger: Logger
    let metrics: TaskMetrics
    let logged = Mutex<Set<String>>([])
    /// Distinct causes remembered; past this every problem logs at debug only.
    static let maximumCauses = 256

    public init(source: TaskSource, logger: Logger, metrics: TaskMetrics = TaskMetrics()) {
        self.source = source
        self.logger = logger
        self.metrics = metrics
    }

    /// Counts one problem of `cause` (a short fixed word: `malformed_frame`, `unknown_state`,
    /// `bad_label`, `unreachable`…) and logs `detail` if the cause is new.
    public func report(_ cause: String, _ detail: @autoclosure () -> String) {
        metrics.problems(source, cause: cause).increment()
        let first = logged.withLock { causes in
            guard causes.count < Self.maximumCauses else { return false }
            return causes.insert(cause).inserted
        }
        if first {
            logger.warning("tasks from \(source.rawValue): \(detail()) (logged once until it recovers; counted in lashup_task_source_problems_total{cause=\"\(cause)\"})")
        } else {
            logger.debug("tasks from \(source.rawValue): \(detail())")
        }
    }

    /// The source works again: its causes log again next time.
    public func recovered(_ cause: String) {
        let was = logged.withLock { $0.remove(cause) != nil }
        if was { logger.notice("tasks from \(source.rawValue): recovered from \(cause)") }
    }
}
