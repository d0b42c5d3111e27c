/// Repeats an operation until a minimum time has passed and reports operations per second.
/// Wall-clock time is fine here: benchmarks are shells, not protocol cores.
struct Stopwatch {
    var minimumDuration: Duration

    /// Runs `operation` in growing batches until `minimumDuration` has elapsed.
    func operationsPerSecond(_ operation: (Int) throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var iterations = 0
        var batch = 1
        var elapsed = Duration.zero
        while elapsed < minimumDuration {
            let start = clock.now
            for index in 0..<batch { try operation(iterations + index) }
            elapsed += clock.now - start
            iterations += batch
            batch = min(batch * 2, 1 << 20)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(iterations) / seconds
    }
}
