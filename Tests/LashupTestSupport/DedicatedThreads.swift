import Foundation

/// Runs CPU-bound, synchronous test bodies (whole-cluster simulations, property sweeps) on
/// threads of their own instead of Swift's cooperative pool.
///
/// Why: the pool has one thread per core (two on CI). Swift Testing runs every suite in
/// parallel, so a few simulations that never suspend can hold every pool thread for minutes,
/// and the tests that talk to real agents over sockets then see their handlers starve and
/// time out. On dedicated threads the simulations still use the CPU, but the kernel
/// time-slices them with the pool, so nothing waits for a whole simulation to finish.
public enum DedicatedThreads {
    /// One executor per core, handed out in turn.
    static let executors: [DedicatedThreadExecutor] = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).map {
        DedicatedThreadExecutor(name: "lashup-test-\($0)")
    }
    static let nextExecutor = Counter()

    /// Runs `body` on one of the dedicated threads and returns its result. Test expectations
    /// inside `body` are attributed to the calling test: it runs in the caller's task.
    public static func run<T>(_ body: () async throws -> T) async rethrows -> T {
        let executor = executors[nextExecutor.next() % executors.count]
        return try await withTaskExecutorPreference(executor) { try await body() }
    }

    /// Runs `body` on a new thread of its own, for tests that block their thread (waiting for
    /// a child process, reading its whole output): they then hold up nothing else. The thread
    /// stays, idle, after the test (a few per test run).
    public static func runAlone<T>(_ body: () async throws -> T) async rethrows -> T {
        let executor = DedicatedThreadExecutor(name: "lashup-test-blocking-\(nextExecutor.next())")
        return try await withTaskExecutorPreference(executor) { try await body() }
    }
}

/// A thread-safe round-robin counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// A task executor backed by one thread that runs enqueued jobs in order.
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// The thread's loop; the executors live as long as the test process.
    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
