import LashupTasks
import Logging
import Synchronization

/// Records what a Mesos source hands its sink and what it reports, for assertions.
final class MesosSourceRecorder: Sendable {
    struct Publication: Sendable {
        var tasks: [TaskRecord]
        var lines: [String: Set<String>]
    }

    let publications = Mutex<[Publication]>([])
    let events = Mutex<[MesosSourceEvent]>([])

    var sink: MesosTaskSink {
        { tasks, lines in self.publications.withLock { $0.append(Publication(tasks: tasks, lines: lines)) } }
    }

    var observer: MesosSourceObserver {
        { event in self.events.withLock { $0.append(event) } }
    }

    var last: Publication? { publications.withLock { $0.last } }
    var publicationCount: Int { publications.withLock { $0.count } }
    var allPublications: [Publication] { publications.withLock { $0 } }

    var subscriptions: [MesosEndpoint] {
        events.withLock { $0.compactMap { if case let .subscribed(endpoint) = $0 { endpoint } else { nil } } }
    }

    var failures: [(error: MesosOperatorError, retryIn: Duration)] {
        events.withLock { $0.compactMap { if case let .failed(error, retryIn) = $0 { (error, retryIn) } else { nil } } }
    }

    var skipped: [MesosProblem] {
        events.withLock { $0.compactMap { if case let .skipped(problem) = $0 { problem } else { nil } } }
    }

    var withdrawals: Int { events.withLock { $0.filter { if case .withdrawn = $0 { true } else { false } }.count } }

    static func problems() -> SourceProblems {
        SourceProblems(source: .mesos, logger: Logger(label: "test.mesos"))
    }
}
