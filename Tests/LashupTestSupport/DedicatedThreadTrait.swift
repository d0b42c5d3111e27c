import Testing

/// Runs every test of a suite (or one test) off Swift's cooperative pool: see
/// ``DedicatedThreads``.
public struct DedicatedThreadTrait: TestTrait, SuiteTrait, TestScoping {
    /// Whether each test gets a new thread (for tests that block) or shares the per-core ones.
    let alone: Bool

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // The suite itself needs no thread: its tests each get one.
        guard !test.isSuite else { return try await function() }
        if alone {
            try await DedicatedThreads.runAlone { try await function() }
        } else {
            try await DedicatedThreads.run { try await function() }
        }
    }
}

extension Trait where Self == DedicatedThreadTrait {
    /// For long synchronous computations, such as simulations: they share one thread per core.
    public static var onDedicatedThread: Self { DedicatedThreadTrait(alone: false) }

    /// For tests that block their thread on child processes: each gets a thread of its own.
    public static var onOwnThread: Self { DedicatedThreadTrait(alone: true) }
}
