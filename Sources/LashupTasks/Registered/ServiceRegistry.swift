import LashupCRDT
import Logging
import Metrics

/// Why a registration was refused.
public struct RegistrationError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable { case invalid, full, storage, notFound }
    public var kind: Kind
    public var description: String
}

/// The services registered with this agent: validated, kept on disk, checked, and published
/// as `registered` tasks whose health follows their checks.
///
/// Each check runs every interval with its timeout; at most `maximumConcurrentChecks` run at
/// once (the rest wait their turn). A failing check drains the service's backends (weight 0)
/// at once, and a passing one restores them. A service with a check starts unhealthy until
/// its first check passes, so a backend is never offered before it answered.
public actor ServiceRegistry {
    public static let maximumConcurrentChecks = 16

    /// A registered service and what its check says.
    public struct Entry: Sendable, Equatable {
        public var service: RegisteredService
        public var health: TaskHealth
        /// Why the last check failed (nil: passed, or not run yet).
        public var lastFailure: String?
        /// Checks run so far.
        public var checks: Int
        /// Failed checks in a row (0 after a pass).
        public var consecutiveFailures = 0
        /// How many failures in a row it took to drain the service the last time it drained
        /// (one: a failing check drains at once).
        public var drainedAfterFailures: Int?
    }

    let file: RegistrationFile?
    let agentIP: IPAddress?
    let publisher: TaskPublisher
    let logger: Logger
    let checkSlots = CheckSlots(limit: ServiceRegistry.maximumConcurrentChecks)
    let checksRun = Counter(label: "lashup_service_checks_total")
    let checksFailed = Counter(label: "lashup_service_check_failures_total")
    let registered = Gauge(label: "lashup_registered_services")
    var entries: [String: Entry] = [:]
    var checkers: [String: Task<Void, Never>] = [:]

    /// - Parameter file: where registrations persist (nil: memory only, for tests).
    public init(file: RegistrationFile?, agentIP: IPAddress?, publisher: TaskPublisher, logger: Logger) {
        self.file = file
        self.agentIP = agentIP
        self.publisher = publisher
        self.logger = logger
    }

    /// Starts the checks of `stored` (the registrations read back from the file, before the
    /// agent started: a file that does not read stops the agent before it serves anything).
    public func start(restoring stored: [RegisteredService]) async {
        for service in stored {
            let problems = service.problems
            guard problems.isEmpty else {
                logger.warning("registered service \(service.id) in \(file?.path ?? "memory") is skipped: \(problems.joined(separator: "; "))")
                continue
            }
            entries[service.id] = Entry(service: service, health: service.check == nil ? .unknown : .unhealthy, lastFailure: nil, checks: 0)
            startChecking(service)
        }
        if !stored.isEmpty { logger.info("\(entries.count) registered services restored from \(file?.path ?? "memory")") }
        await publish()
    }

    /// Registers (or replaces, by id) a service. Durable before it returns.
    public func register(_ service: RegisteredService) async throws(RegistrationError) {
        let problems = service.problems
        guard problems.isEmpty else { throw RegistrationError(kind: .invalid, description: "service \(service.id): \(problems.joined(separator: "; "))") }
        guard entries[service.id] != nil || entries.count < RegisteredService.maximumCount else {
            throw RegistrationError(kind: .full, description: "this agent already holds \(RegisteredService.maximumCount) services; deregister some first")
        }
        let previous = entries[service.id]
        var updated = entries
        updated[service.id] = Entry(service: service, health: service.check == nil ? .unknown : .unhealthy, lastFailure: nil, checks: 0)
        try persist(updated)
        entries = updated
        if previous?.service != service { startChecking(service) }
        logger.info("service \(service.id) registered: \(service.name).\(service.namespace) at \(service.address):\(service.port)")
        await publish()
    }

    /// Deregisters a service; false when no service has that id.
    @discardableResult
    public func deregister(_ id: String) async throws(RegistrationError) -> Bool {
        guard entries[id] != nil else { return false }
        var updated = entries
        updated[id] = nil
        try persist(updated)
        entries = updated
        checkers.removeValue(forKey: id)?.cancel()
        logger.info("service \(id) deregistered")
        await publish()
        return true
    }

    /// Every registered service with its health, by id.
    public func list() -> [Entry] { entries.values.sorted { $0.service.id < $1.service.id } }

    /// Stops every check.
    public func stop() {
        for checker in checkers.values { checker.cancel() }
        checkers = [:]
    }

    func persist(_ updated: [String: Entry]) throws(RegistrationError) {
        do { try file?.write(updated.values.map(\.service).sorted { $0.id < $1.id }) } catch {
            throw RegistrationError(kind: .storage, description: error.description)
        }
    }

    func startChecking(_ service: RegisteredService) {
        checkers.removeValue(forKey: service.id)?.cancel()
        guard let check = service.check else { return }
        let slots = checkSlots
        checkers[service.id] = Task { [weak self] in
            while !Task.isCancelled {
                await slots.acquire()
                let failure = await ServiceChecker.run(check, of: service)
                await slots.release()
                guard let self, !Task.isCancelled else { return }
                await self.record(failure, of: service)
                try? await Task.sleep(for: .milliseconds(check.intervalMilliseconds))
            }
        }
    }

    func record(_ failure: String?, of service: RegisteredService) async {
        guard var entry = entries[service.id], entry.service == service else { return }
        checksRun.increment()
        if failure != nil { checksFailed.increment() }
        let health: TaskHealth = failure == nil ? .healthy : .unhealthy
        let changed = entry.health != health
        entry.health = health
        entry.lastFailure = failure
        entry.checks += 1
        entry.consecutiveFailures = failure == nil ? 0 : entry.consecutiveFailures + 1
        if changed, failure != nil { entry.drainedAfterFailures = entry.consecutiveFailures }
        entries[service.id] = entry
        guard changed else { return }
        if let failure {
            logger.warning("service \(service.id) is unhealthy, its backends drained: \(failure)")
        } else {
            logger.notice("service \(service.id) passes its check")
        }
        await publish()
    }

    func publish() async {
        registered.record(entries.count)
        await publisher.replace(.registered, with: entries.values.compactMap { $0.service.task(health: $0.health, agentIP: agentIP) })
    }
}

/// A counting semaphore for checks: at most `limit` run at once; the rest wait in order.
actor CheckSlots {
    let limit: Int
    var running = 0
    var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
