import Logging
import Metrics

/// Runs a service's reconcile pass on every change and periodically (drift repair: someone
/// may delete our route by hand), one pass at a time. Changes arriving during a pass coalesce
/// into one more pass (the trigger holds at most one), so a burst costs two passes, not one
/// per change. Each pass is counted, and what it changed logged at debug.
public actor ReconcileLoop {
    public typealias Pass = @Sendable () async throws -> ReconcileReport

    let service: String
    let interval: Duration
    let pass: Pass
    let logger: Logger
    let trigger: AsyncStream<Void>
    let continuation: AsyncStream<Void>.Continuation
    let passes: Counter
    let failedPasses: Counter
    let addedObjects: Counter
    let changedObjects: Counter
    let removedObjects: Counter
    /// Passes run and failed so far, and the last pass's report.
    public private(set) var passCount = 0
    public private(set) var failureCount = 0
    public private(set) var lastReport: ReconcileReport?

    public init(service: String, interval: Duration = .seconds(30), logger: Logger, pass: @escaping Pass) {
        self.service = service
        self.interval = interval
        self.pass = pass
        self.logger = logger
        // Bounded to one pending trigger: a pass reads the whole desired state, so one more
        // pass covers every change that arrived meanwhile.
        (trigger, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let dimensions = [("service", service)]
        passes = Counter(label: "lashup_kernel_reconcile_passes_total", dimensions: dimensions)
        failedPasses = Counter(label: "lashup_kernel_reconcile_failures_total", dimensions: dimensions)
        addedObjects = Counter(label: "lashup_kernel_objects_changed_total", dimensions: dimensions + [("change", "added")])
        changedObjects = Counter(label: "lashup_kernel_objects_changed_total", dimensions: dimensions + [("change", "changed")])
        removedObjects = Counter(label: "lashup_kernel_objects_changed_total", dimensions: dimensions + [("change", "removed")])
    }

    /// Asks for a pass soon (from any task; never blocks).
    public nonisolated func changed() { continuation.yield() }

    /// Runs passes until the task is cancelled: one at once, then one per trigger or interval.
    public func run() async {
        let ticker = Task { [continuation, interval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                continuation.yield()
            }
        }
        defer { ticker.cancel() }
        await runPass()
        for await _ in trigger {
            if Task.isCancelled { break }
            await runPass()
        }
    }

    /// Stops the loop after the pass in progress.
    public nonisolated func finish() { continuation.finish() }

    func runPass() async {
        passCount += 1
        passes.increment()
        do {
            let report = try await pass()
            lastReport = report
            addedObjects.increment(by: report.added)
            changedObjects.increment(by: report.changed)
            removedObjects.increment(by: report.removed)
            if !report.failures.isEmpty {
                failureCount += 1
                failedPasses.increment()
                logger.warning("\(service): kernel reconcile: \(report.summary)")
            } else if !report.isNoOp {
                logger.debug("\(service): kernel reconcile: \(report.summary)")
            }
        } catch {
            failureCount += 1
            failedPasses.increment()
            logger.warning("\(service): kernel reconcile failed: \(error)")
        }
    }
}
