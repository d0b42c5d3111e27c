import Foundation
import Synchronization

/// An exclusive lock on a data directory, held for the agent's life, so two agents can never
/// write one database. The kernel releases it when the process dies, even by `kill -9`.
public final class DataDirectoryLock: Sendable {
    let descriptor: Int32
    let released = Atomic<Bool>(false)

    public init(directory: String) throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError("data directory \(directory) cannot be created: \(error.localizedDescription)")
        }
        let path = "\(directory)/lock"
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RuntimeError("data directory \(directory) is not writable: \(String(cString: strerror(errno)))")
        }
        // A holder that is going away (an agent restarting, or a child process this one
        // forked that still has a copy of the descriptor until it execs) lets go within
        // moments: ask again for up to two seconds before calling the directory in use.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            attempts += 1
            guard attempts < Self.attempts else {
                close(descriptor)
                throw RuntimeError("data directory \(directory) is in use by another lashup agent")
            }
            usleep(50_000)
        }
    }

    /// Tries of the lock, 50 ms apart.
    static let attempts = 40

    /// Releases the lock (once; later calls do nothing), so another agent in this process,
    /// a restart in a test say, can take the directory.
    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        close(descriptor)
    }

    deinit { release() }
}
