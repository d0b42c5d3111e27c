import Foundation
import LashupCRDT
import Logging

/// Follows a container runtime through the Docker Engine API on a unix socket (Docker, or
/// `podman system service`): the running containers (`/containers/json`, then each one's
/// inspect for its addresses, ports, labels and health) become this host's `runtime` tasks,
/// and the `/events` stream keeps them current.
///
/// - The events stream is opened before the list is read, so no change falls between them.
/// - An event re-inspects its container: running → published (a `kill` marks it killing, so
///   its backends drain), gone or stopped → withdrawn.
/// - Every `resyncInterval` the whole list is read again (an event can be lost).
/// - A socket that disappears (the runtime restarting) is retried with back-off, doubling to
///   `maximumBackoff`; the tasks stay published meanwhile (containers outlive their runtime's
///   API), and the first full read after it returns replaces them.
public actor RuntimeTaskSource {
    let client: SimpleHTTPClient
    let namespace: String
    let agentIP: IPAddress?
    let publisher: TaskPublisher
    let logger: Logger
    let problems: SourceProblems
    let metrics: TaskMetrics
    let resyncInterval: Duration
    let maximumBackoff: Duration
    /// The containers published, by id.
    var known: [String: TaskRecord] = [:]
    /// Completed full reads, for tests.
    public private(set) var resyncCount = 0

    public init(socketPath: String, namespace: String, agentIP: IPAddress?, publisher: TaskPublisher, logger: Logger, metrics: TaskMetrics = TaskMetrics(),
                resyncInterval: Duration = .seconds(30), maximumBackoff: Duration = .seconds(30)) {
        client = SimpleHTTPClient(.unixSocket(socketPath))
        self.namespace = namespace
        self.agentIP = agentIP
        self.publisher = publisher
        self.logger = logger
        self.metrics = metrics
        problems = SourceProblems(source: .runtime, logger: logger, metrics: metrics)
        self.resyncInterval = resyncInterval
        self.maximumBackoff = maximumBackoff
    }

    enum Input: Sendable {
        case bytes([UInt8])
        case resync
        /// Inspect this container once more (see `handle(event:)`).
        case recheck(String)
        case ended((any Error)?)
    }

    /// How long after an event a still-running container is inspected again: podman announces
    /// a stop (`sync`) a moment before the container turns `stopping`, and says nothing more
    /// until it exits, so without a second look its backends would not drain.
    public static let recheckDelay = Duration.milliseconds(300)
    var inputs: AsyncStream<Input>.Continuation?

    /// Follows the runtime until the task is cancelled.
    public func run() async {
        var backoff = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await follow()
                problems.report("stream_ended", "the runtime at \(client.target) ended its events stream; reconnecting")
            } catch {
                problems.report("unreachable", "\(error); retrying in \(backoff)")
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, maximumBackoff)
            if Task.isCancelled { break }
        }
    }

    /// One connection: the events stream, a full read, then events (and periodic full reads)
    /// until the stream ends.
    func follow() async throws {
        let filter = #"{"type":["container"]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let (status, events) = try await client.stream("/events?filters=\(filter)")
        guard status == 200 else { throw RuntimeAPIError(kind: .status, description: "/events answered HTTP \(status)") }
        let (inputs, sink) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .bufferingOldest(1_024))
        let pump = Task {
            do {
                for try await bytes in events {
                    if case .dropped = sink.yield(.bytes(bytes)) { throw RuntimeAPIError(kind: .tooLarge, description: "events arrived faster than they were handled") }
                }
                sink.yield(.ended(nil))
            } catch {
                sink.yield(.ended(error))
            }
            sink.finish()
        }
        let ticker = Task { [resyncInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: resyncInterval)
                sink.yield(.resync)
            }
        }
        self.inputs = sink
        defer {
            pump.cancel()
            ticker.cancel()
            self.inputs = nil
        }
        try await resync()
        problems.recovered("unreachable")
        problems.recovered("stream_ended")
        var lines = LineSplitter()
        for await input in inputs {
            switch input {
            case let .bytes(bytes):
                for line in try lines.feed(bytes) { await handle(event: line) }
            case .resync:
                try await resync()
            case let .recheck(id):
                await refresh(id, action: "recheck", recheck: false)
            case let .ended(error):
                if let error { throw error }
                return
            }
        }
    }

    /// Reads every running container and publishes them all.
    func resync() async throws(RuntimeAPIError) {
        let (status, body) = try await client.request(.GET, "/containers/json")
        guard status == 200, let list = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw RuntimeAPIError(kind: .status, description: "/containers/json answered HTTP \(status) with \(body.count) bytes that are not a container list")
        }
        var tasks: [String: TaskRecord] = [:]
        for entry in list.prefix(TaskPublisher.maximumTasksPerSource) {
            guard let id = entry["Id"] as? String, !id.isEmpty else {
                problems.report("bad_response", "a listed container without an Id was skipped")
                continue
            }
            if let task = try await inspect(id) { tasks[id] = task }
        }
        known = tasks
        await publisher.replace(.runtime, with: Array(tasks.values))
        resyncCount += 1
        metrics.reads(.runtime).increment()
    }

    /// The task container `id` is, or nil when it is not running (or no longer exists).
    func inspect(_ id: String) async throws(RuntimeAPIError) -> TaskRecord? {
        guard id.utf8.count <= 128, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            problems.report("bad_response", "container id \"\(id.prefix(80))\" is not an id; skipped")
            return nil
        }
        let (status, body) = try await client.request(.GET, "/containers/\(id)/json")
        if status == 404 { return nil }
        guard status == 200, let object = try? JSONSerialization.jsonObject(with: Data(body)) else {
            problems.report("bad_response", "inspecting container \(id.prefix(12)) answered HTTP \(status) with no JSON; skipped")
            return nil
        }
        do {
            return try RuntimeContainer.task(inspect: object, namespace: namespace, agentIP: agentIP)
        } catch {
            problems.report("bad_response", "container \(id.prefix(12)): \(error); skipped")
            return nil
        }
    }

    /// One line of the events stream.
    func handle(event line: [UInt8]) async {
        guard let event = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            problems.report("malformed_event", "an event that is not a JSON object was skipped")
            return
        }
        metrics.reads(.runtime).increment()
        let actor = event["Actor"] as? [String: Any]
        guard let id = (actor?["ID"] as? String) ?? (event["id"] as? String),
              let action = (event["Action"] as? String) ?? (event["status"] as? String)
        else {
            problems.report("malformed_event", "an event without a container id or action was skipped")
            return
        }
        if (event["Type"] as? String).map({ $0 != "container" }) ?? false { return }
        await refresh(id, action: action, recheck: true)
    }

    /// Inspects container `id` after `action` and publishes what it is now; with `recheck`, a
    /// container still running is looked at once more after `recheckDelay`.
    func refresh(_ id: String, action: String, recheck: Bool) async {
        do {
            guard var task = try await inspect(id) else {
                logger.debug("runtime: container \(id.prefix(12)) after \(action): gone")
                if let gone = known.removeValue(forKey: id) { await publisher.remove(gone.key) }
                return
            }
            logger.debug("runtime: container \(id.prefix(12)) after \(action): \(task.state.rawValue)")
            // A kill is the start of a stop: drain before the container is gone.
            if action == "kill" { task.state = .killing }
            if let previous = known[id], previous.key != task.key { await publisher.remove(previous.key) }
            known[id] = task
            await publisher.set(task)
            if recheck, task.state == .running, let inputs {
                Task {
                    try? await Task.sleep(for: Self.recheckDelay)
                    inputs.yield(.recheck(id))
                }
            }
        } catch {
            problems.report("unreachable", "inspecting container \(id.prefix(12)) after \(action): \(error)")
        }
    }
}
