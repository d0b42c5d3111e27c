import Foundation
import LashupCRDT
import LashupCluster
import LashupDNSServer
import LashupLB
import LashupStore
import Logging

/// Publishes the tasks of this host: the tasks themselves (`TaskStoreKeys`), the DNS records
/// they produce (this agent's own field of each zone key) and their VIP backends (through the
/// load balancer, so the reachability filter drops them with this host).
///
/// Sources hand it whole snapshots or single changes; it recomputes what should be published
/// and writes only the difference, coalescing a burst of changes into one push. A write that
/// fails is retried on the next push (at most `retryInterval` later), and every
/// `repairInterval` the store is read back and repaired.
public actor TaskPublisher {
    /// At most this many tasks per source; more are counted and left out.
    public static let maximumTasksPerSource = 10_000
    /// Operations per store write (the store refuses more than 1 000).
    static let operationsPerWrite = 500

    let cluster: any Cluster
    let balancer: LoadBalancer
    let localName: String
    let logger: Logger
    let metrics: TaskMetrics
    let coalesceDelay: Duration
    let retryInterval: Duration
    let repairInterval: Duration
    let signal: AsyncStream<Void>.Continuation
    let signals: AsyncStream<Void>

    var tasks: [TaskSource: [TaskKey: TaskRecord]] = [:]
    /// Records a source adds that are not a task's (`leader.`, `master.`), by zone.
    var extraLines: [TaskSource: [String: Set<String>]] = [:]
    /// Backends as last written (or found in the store at start), by endpoint.
    var publishedBackends: [TaskBackend.Endpoint: UInt32] = [:]
    /// Zones this agent holds lines in.
    var publishedZones: Set<String> = []
    var loaded = false
    /// Labels already reported as unparsable, so each is counted and logged once, not on
    /// every push (bounded: forgotten wholesale past 10 000).
    var reportedLabels: Set<String> = []
    var problems: [TaskSource: SourceProblems] = [:]
    var dirty = true
    /// Completed pushes, for tests and `lashup tasks`.
    public private(set) var pushCount = 0

    public init(cluster: any Cluster, balancer: LoadBalancer, localName: String, logger: Logger, metrics: TaskMetrics = TaskMetrics(),
                coalesceDelay: Duration = .milliseconds(100), retryInterval: Duration = .seconds(1), repairInterval: Duration = .seconds(30)) {
        self.cluster = cluster
        self.balancer = balancer
        self.localName = localName
        self.logger = logger
        self.metrics = metrics
        self.coalesceDelay = coalesceDelay
        self.retryInterval = retryInterval
        self.repairInterval = repairInterval
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Replaces every task of `source` (a poll's or a stream's full snapshot), and the extra
    /// records it makes.
    public func replace(_ source: TaskSource, with snapshot: [TaskRecord], extraLines lines: [String: Set<String>] = [:]) {
        var bySource: [TaskKey: TaskRecord] = [:]
        for task in snapshot where task.key.source == source {
            guard bySource.count < Self.maximumTasksPerSource || bySource[task.key] != nil else {
                metrics.overflow(source).increment()
                continue
            }
            bySource[task.key] = task
        }
        if snapshot.count > bySource.count, bySource.count == Self.maximumTasksPerSource {
            logger.warning("tasks from \(source.rawValue): \(snapshot.count) tasks, more than the \(Self.maximumTasksPerSource) published; the rest are left out")
        }
        guard tasks[source, default: [:]] != bySource || extraLines[source, default: [:]] != lines else { return }
        tasks[source] = bySource
        extraLines[source] = lines
        changed()
    }

    /// Replaces only the extra records of `source` (a master subscription on a host whose
    /// Mesos agent poll already gives its tasks).
    public func replaceExtraLines(_ source: TaskSource, _ lines: [String: Set<String>]) {
        guard extraLines[source, default: [:]] != lines else { return }
        extraLines[source] = lines
        changed()
    }

    /// Adds or changes one task.
    public func set(_ task: TaskRecord) {
        let source = task.key.source
        guard tasks[source]?[task.key] != task else { return }
        guard tasks[source, default: [:]].count < Self.maximumTasksPerSource || tasks[source]?[task.key] != nil else {
            metrics.overflow(source).increment()
            return
        }
        tasks[source, default: [:]][task.key] = task
        changed()
    }

    /// Removes one task (it ended).
    public func remove(_ key: TaskKey) {
        guard tasks[key.source]?.removeValue(forKey: key) != nil else { return }
        changed()
    }

    /// The tasks this agent publishes, optionally of one source, in key order.
    public func current(_ source: TaskSource? = nil) -> [TaskRecord] {
        let selected = source.map { [tasks[$0] ?? [:]] } ?? Array(tasks.values)
        return selected.flatMap(\.values).sorted { $0.key < $1.key }
    }

    func changed() {
        dirty = true
        signal.yield()
    }

    /// Pushes until the task is cancelled: on every change (coalesced), after a failure, and
    /// every repair interval.
    public func run() async {
        let ticker = Task { [signal, repairInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: repairInterval)
                signal.yield()
            }
        }
        defer { ticker.cancel() }
        var lastRepair = ContinuousClock.now
        signal.yield()
        for await _ in signals {
            if Task.isCancelled { break }
            try? await Task.sleep(for: coalesceDelay)
            let repair = ContinuousClock.now - lastRepair >= repairInterval
            if repair { lastRepair = .now }
            guard dirty || repair || !loaded else { continue }
            if await push(readBack: repair) {
                pushCount += 1
            } else {
                let signal = signal, delay = retryInterval
                Task {
                    try? await Task.sleep(for: delay)
                    signal.yield()
                }
            }
        }
    }

    /// Stops `run` after the push in progress.
    public nonisolated func finish() { signal.finish() }

    /// Publishes the difference between what the tasks produce and what is published.
    /// Returns false when a write failed (everything else was still attempted).
    func push(readBack: Bool) async -> Bool {
        dirty = false
        let key: Key
        do { key = try TaskStoreKeys.key(node: localName) } catch {
            logger.error("tasks: this node's name \(localName) cannot be a store key: \(error)")
            return true
        }
        let stored = TaskStoreKeys.tasks(await cluster.value(key)?.store)
        if !loaded || readBack { await learnPublished(from: stored, scanZones: !loaded) }
        loaded = true
        let all = tasks.values.flatMap(\.values)
        var succeeded = true

        // 1. The tasks themselves.
        let wanted = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let storedByKey = Dictionary(stored.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let timestamp = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        var operations: [MapOperation] = []
        for (taskKey, task) in wanted.sorted(by: { $0.key < $1.key }) where storedByKey[taskKey] != task {
            operations += TaskStoreKeys.operations(setting: task, timestamp: timestamp)
        }
        for taskKey in storedByKey.keys.sorted() where wanted[taskKey] == nil { operations += TaskStoreKeys.operations(removing: taskKey) }
        succeeded = await write(key, operations, what: "tasks") && succeeded

        // 2. Backends: new ones and weight changes first, so DNS never names a VIP whose
        // backends are not there yet.
        var desired: [TaskBackend.Endpoint: UInt32] = [:]
        for task in all {
            let (backends, rejected) = TaskBackends.backends(for: task)
            for backend in backends { desired[backend.endpoint] = backend.weight }
            for error in rejected { reportLabel(error, of: task) }
        }
        for (endpoint, weight) in desired.sorted(by: { $0.key < $1.key }) where publishedBackends[endpoint] != weight {
            // A drained backend that is not published stays unpublished: it would carry no new
            // connection, and the load balancer withdraws backends drained past its drain
            // timeout; adding it back would undo that on every repair.
            if weight == 0, publishedBackends[endpoint] == nil { continue }
            do {
                try await balancer.setBackend(endpoint.vip, address: endpoint.address, port: endpoint.port, weight: weight)
                publishedBackends[endpoint] = weight
                metrics.publishes.increment()
            } catch {
                succeeded = false
                metrics.publishFailures.increment()
                logger.warning("tasks: cannot publish the backend \(endpoint.address):\(endpoint.port) of \(endpoint.vip): \(error)")
            }
        }

        // 3. DNS: this agent's own lines in each zone.
        var zones: [String: Set<String>] = [TaskDNSRecords.zone: TaskDNSRecords.lines(for: all)]
        for lines in extraLines.values {
            for (zone, zoneLines) in lines { zones[zone, default: []].formUnion(zoneLines) }
        }
        for zone in publishedZones where zones[zone] == nil { zones[zone] = [] }
        for (zone, lines) in zones.sorted(by: { $0.key < $1.key }) {
            guard let zoneKey = try? DNSZoneKeys.key(zone: zone) else { continue }
            let current = DNSZoneKeys.records(await cluster.value(zoneKey), publisher: localName)
            let operations = DNSZoneKeys.operations(publisher: localName, adding: lines.subtracting(current), removing: current.subtracting(lines))
            if await write(zoneKey, operations, what: "DNS records of \(zone)") {
                if lines.isEmpty { publishedZones.remove(zone) } else { publishedZones.insert(zone) }
            } else {
                succeeded = false
            }
        }
        metrics.records.record(zones.values.reduce(0) { $0 + $1.count })

        // 4. Backends no task produces any more.
        for endpoint in publishedBackends.keys.sorted() where desired[endpoint] == nil {
            do {
                try await balancer.removeBackend(endpoint.vip, address: endpoint.address, port: endpoint.port)
                publishedBackends[endpoint] = nil
                metrics.publishes.increment()
            } catch {
                succeeded = false
                metrics.publishFailures.increment()
                logger.warning("tasks: cannot withdraw the backend \(endpoint.address):\(endpoint.port) of \(endpoint.vip): \(error)")
            }
        }
        metrics.backends.record(publishedBackends.count)
        for source in TaskSource.allCases { metrics.tasks(source).record(tasks[source]?.count ?? 0) }
        if !succeeded { dirty = true }
        return succeeded
    }

    /// What was published before (by an earlier run of this agent, or repaired by hand):
    /// the backends its stored tasks produce, with the weights the store holds now, and (at
    /// start only: afterwards `publishedZones` is kept current by the pushes) the zones this
    /// agent holds lines in.
    func learnPublished(from stored: [TaskRecord], scanZones: Bool) async {
        var endpoints = Set(publishedBackends.keys)
        for task in stored { endpoints.formUnion(TaskBackends.backends(for: task).backends.map(\.endpoint)) }
        var learned: [TaskBackend.Endpoint: UInt32] = [:]
        for vip in Set(endpoints.map(\.vip)) {
            guard let key = try? VIPStoreKeys.key(vip) else { continue }
            for backend in VIPStoreKeys.backends(await cluster.value(key)?.store) where backend.agent == localName {
                let endpoint = TaskBackend.Endpoint(vip: vip, address: backend.address, port: backend.port)
                if endpoints.contains(endpoint) { learned[endpoint] = backend.weight }
            }
        }
        publishedBackends = learned
        // Zones: this agent's field in any zone key an earlier run may have written.
        guard scanZones else { return }
        for zoneKey in await cluster.keys(matching: DNSZoneKeys.pattern, limit: 10_000).keys {
            guard let zone = DNSZoneKeys.zone(of: zoneKey) else { continue }
            if !DNSZoneKeys.records(await cluster.value(zoneKey), publisher: localName).isEmpty { publishedZones.insert(zone) }
        }
    }

    func reportLabel(_ error: VIPLabelError, of task: TaskRecord) {
        guard reportedLabels.insert("\(task.key) \(error.label)").inserted else { return }
        if reportedLabels.count > 10_000 { reportedLabels = [] }
        let source = task.key.source
        let reporter = problems[source] ?? SourceProblems(source: source, logger: logger, metrics: metrics)
        problems[source] = reporter
        reporter.report("bad_label", "task \(task.key): \(error); its other VIPs are published")
    }

    func write(_ key: Key, _ operations: [MapOperation], what: String) async -> Bool {
        var start = 0
        while start < operations.count {
            let batch = Array(operations[start..<min(start + Self.operationsPerWrite, operations.count)])
            do {
                _ = try await cluster.update(key, batch)
                metrics.publishes.increment()
            } catch {
                metrics.publishFailures.increment()
                logger.warning("tasks: cannot publish \(what): \(error)")
                return false
            }
            start += batch.count
        }
        return true
    }
}
