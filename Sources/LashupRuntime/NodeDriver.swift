import LashupCRDT
import LashupCluster
import LashupGossip
import LashupMembership
import LashupNode
import LashupStorage
import LashupStore
import Logging
import Synchronization
import NIOCore

/// Runs a `LashupNode` for real: feeds it messages, timers and lost connections in arrival
/// order, and carries out its effects on the transport, the event loop's timers and SQLite.
///
/// A `persist` effect is committed (in one transaction with the others of its batch) before
/// any later effect runs, so an update is acknowledged, and its delta leaves, only once it is
/// on disk. This is the agent's one durable-write path: every step's persists, local updates
/// and replicated deltas alike, are grouped here into SQLite transactions. Inputs wait in a
/// `NodeInbox`, bounded in peers' messages.
public actor NodeDriver {
    /// Most steps whose effects wait for the disk before the node stops taking inputs and
    /// refuses local updates, by default.
    public static let defaultMaximumPendingSteps = 10_000
    /// Most watches waiting at once.
    public static let maximumWatchers = 1_024

    var node: LashupNode
    let transport: any MessageTransport
    let storage: any DurableStorage
    let maximumPendingSteps: Int
    let clock: RuntimeClock
    let eventLoop: any EventLoop
    let logger: Logger
    let inbox: NodeInbox
    /// Timers handed to the event loop and not fired yet (for `lashup debug state`).
    let timersArmed = Atomic<Int>(0)
    var lastHeard: [NodeID: Instant] = [:]
    /// The API's blocking watches and the numbered change log they read.
    var watches = WatchRegistry<CheckedContinuation<WatchResult, Never>>(maximumWatches: NodeDriver.maximumWatchers)
    var storeUpdates = 0
    var pendingEffects: [[ClusterEffect]] = []
    var effectWaiters: [CheckedContinuation<Void, any Error>] = []
    var executing = false
    /// The input loop, parked while `maximumPendingSteps` steps wait for the disk.
    var capacityWaiter: CheckedContinuation<Void, Never>?
    /// Callers of `waitUntilIdle`, resumed when the executor runs dry.
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// SQLite transactions committed, the persists they carried, and local updates refused
    /// because the disk was too far behind.
    var transactions = 0
    var persistsCommitted = 0
    var updatesRefused = 0
    var aloneReport = AloneReport()
    var storeUpdateFailures = 0
    /// What failed commits could not write, committed again until the disk takes it.
    var undurable = UndurableWrites()
    var durabilityRetryScheduled = false
    var stopped = false
    /// Services' change feeds (`Cluster.changes`).
    var feeds = SubscriptionHub()
    /// Services' reachability streams (`Cluster.reachability`).
    var reachabilityStreams = ReachabilityStreams()

    public init(node: LashupNode, transport: any MessageTransport, storage: any DurableStorage, clock: RuntimeClock, eventLoop: any EventLoop, logger: Logger, inbox: NodeInbox, maximumPendingSteps: Int = NodeDriver.defaultMaximumPendingSteps) {
        self.maximumPendingSteps = maximumPendingSteps
        self.node = node
        self.transport = transport
        self.storage = storage
        self.clock = clock
        self.eventLoop = eventLoop
        self.logger = logger
        self.inbox = inbox
    }

    /// Queues an input from any thread (see `NodeInbox` for what is dropped when full).
    public nonisolated func enqueue(_ input: ClusterInput) { inbox.enqueue(input) }

    /// Starts the node and processes inputs until `stop()`.
    public func run() async {
        await step(.start)
        for await input in inbox.stream {
            inbox.taken(input)
            if stopped { break }
            // Back-pressure: while the disk is this far behind, stop taking inputs, so they
            // wait (and, beyond its bound, are dropped) in the inbox rather than piling up
            // here. The executor resumes the loop as soon as it takes the waiting batch.
            if pendingEffects.count >= maximumPendingSteps {
                await withCheckedContinuation { capacityWaiter = $0 }
            }
            await step(input)
        }
    }

    /// Announces a graceful leave to the cluster, waits up to `grace` for it to go out, then
    /// stops processing inputs and commits whatever is pending.
    public func leave(grace: Duration = .milliseconds(300)) async {
        await step(.leave)
        try? await Task.sleep(for: grace)
        stopped = true
        inbox.finish()
        for (waiter, result) in watches.finishAll() { waiter.resume(returning: result) }
        feeds.finish()
        reachabilityStreams.finish()
    }

    /// Returns once every queued effect has been carried out (the last commit is done).
    func waitUntilIdle() async {
        guard executing else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    func step(_ input: ClusterInput) async {
        let now = clock.now()
        if case let .message(from, _) = input { lastHeard[from.id] = now }
        schedule(node.handle(input, now: now), waiter: nil)
        let hasNeighbours = !node.gossip.membership.activeView.isEmpty
        switch aloneReport.observe(hasNeighbours: hasNeighbours, hasContacts: !node.gossip.contacts.isEmpty, now: now) {
        case let .alone(duration)?:
            let contacts = node.gossip.contacts.map(\.address).joined(separator: ", ")
            logger.warning("this node has had no neighbours for \(duration.components.seconds) s: it is alone, not in a cluster (contacts: \(contacts); see the join warnings above)")
        case let .joined(duration)?:
            logger.notice("this node has neighbours again after \(duration.components.seconds) s alone")
        case nil:
            break
        }
    }

    /// Queues a step's effects behind every earlier step's, and starts the executor if idle.
    func schedule(_ effects: [ClusterEffect], waiter: CheckedContinuation<Void, any Error>?) {
        guard !effects.isEmpty || waiter != nil else { return }
        pendingEffects.append(effects)
        if let waiter { effectWaiters.append(waiter) }
        if !executing {
            executing = true
            Task { await self.executePending() }
        }
    }

    /// Queues effects and returns once they were carried out (so their persists are durable).
    func submit(_ effects: [ClusterEffect]) async throws {
        try await withCheckedThrowingContinuation { continuation in schedule(effects, waiter: continuation) }
    }

    /// Carries out queued effects in batches: every persist of a batch goes to disk in one
    /// transaction first, then the batch's other effects run in their order. While a batch
    /// commits, the node goes on handling inputs, and their effects form the next batch, so
    /// concurrent updates and a burst of replicated deltas share an fsync, and no effect ever
    /// runs before a persist that preceded it.
    func executePending() async {
        while !pendingEffects.isEmpty {
            let batch = pendingEffects, waiters = effectWaiters
            pendingEffects.removeAll(keepingCapacity: true)
            effectWaiters.removeAll(keepingCapacity: true)
            capacityWaiter?.resume()
            capacityWaiter = nil
            var write: DurableWrite?, persists = 0
            for case let .persist(next) in batch.joined() {
                write = write.map { $0.followed(by: next) } ?? next
                persists += 1
            }
            var failure: (any Error)?
            if let attempt = undurable.merged(with: write) {
                do {
                    try await storage.persist(attempt)
                    transactions += 1
                    persistsCommitted += persists
                    if let outage = undurable.succeeded(at: .now) {
                        logger.notice("the disk takes writes again after \(outage.seconds) s (\(outage.failures) failed commits): the state kept in memory is durable now")
                    }
                } catch {
                    failure = error
                    if undurable.failed(attempt, at: .now) {
                        logger.error("could not make the node's state durable; its messages were not sent, and the state is kept in memory and written again every second until the disk takes it: \(error)")
                    }
                    retryDurability()
                }
            }
            for effect in batch.joined() { carryOut(effect, durable: failure == nil) }
            for waiter in waiters {
                if let failure { waiter.resume(throwing: failure) } else { waiter.resume() }
            }
        }
        executing = false
        for waiter in idleWaiters { waiter.resume() }
        idleWaiters.removeAll()
    }

    /// Commits the state kept after a failed commit again in a second, unless a commit runs first.
    func retryDurability() {
        guard !durabilityRetryScheduled else { return }
        durabilityRetryScheduled = true
        Task {
            try? await Task.sleep(for: .seconds(1))
            durabilityRetryScheduled = false
            guard !stopped, undurable.pending != nil else { return }
            schedule([.persist(DurableWrite())], waiter: nil)
        }
    }

    /// One effect other than a persist. After a failed persist nothing leaves the node (it
    /// could carry state that is not durable), but timers are still armed so the node goes on.
    func carryOut(_ effect: ClusterEffect, durable: Bool) {
        switch effect {
        case let .send(peer, message):
            if durable { transport.send(message, to: peer) }
        case let .disconnect(node):
            transport.disconnect(node)
        case let .setTimer(timer):
            timersArmed.wrappingAdd(1, ordering: .relaxed)
            eventLoop.scheduleTask(deadline: clock.deadline(timer.deadline)) { [self] in
                timersArmed.wrappingSubtract(1, ordering: .relaxed)
                enqueue(.timer(timer))
            }
        case .persist, .deliver:
            break
        case let .event(event):
            observe(event)
        }
    }

    func observe(_ event: ClusterEvent) {
        switch event {
        case let .keyChanged(key):
            recordChange(key)
            feeds.changed(key, from: nil, space: node.space)
            if NodeMetadata.pattern.matches(key) { publishReachability() }
        case let .node(.reachabilityChanged(nowUnreachable, nowReachable)):
            if !nowUnreachable.isEmpty { logger.notice("unreachable: \(nowUnreachable.map(\.name).joined(separator: ", "))") }
            if !nowReachable.isEmpty { logger.info("reachable: \(nowReachable.map(\.name).joined(separator: ", "))") }
            publishReachability()
        case let .node(.membership(event)):
            logger.debug("membership: \(event)")
        case let .node(.overlaySplit(split)):
            logger.warning("overlay split: \(split.summary); probing them until they merge")
        case let .node(.overlayWhole(splitFor)):
            logger.notice("overlay whole again after \((splitFor.inMilliseconds / 100).rounded() / 10) s split")
        case .node(.routesChanged):
            publishReachability()
        }
    }

    // MARK: The store, for the API

    /// Applies `operations` to `key` and returns once the new value is durable here and its
    /// delta is on its way to the cluster.
    public func update(_ key: Key, _ operations: [MapOperation], context: VersionVector? = nil) async throws -> Causal<ORMap> {
        guard !stopped else { throw DriverError.shuttingDown }
        // Refused, not queued, while the disk is this far behind: the caller learns at once.
        guard pendingEffects.count < maximumPendingSteps else {
            updatesRefused += 1
            throw StoreError.overloaded(pending: pendingEffects.count, limit: maximumPendingSteps)
        }
        let before = node.space.value(key)
        let value: Causal<ORMap>, effects: [ClusterEffect]
        do {
            (value, effects) = try node.update(key, operations, context: context, now: clock.now())
        } catch {
            storeUpdateFailures += 1
            throw error
        }
        do {
            try await submit(effects)
        } catch {
            storeUpdateFailures += 1
            throw error
        }
        storeUpdates += 1
        recordChange(key)
        feeds.changed(key, from: before, space: node.space)
        if NodeMetadata.pattern.matches(key) { publishReachability() }
        return value
    }

    /// Deletes `key` as observed here; returns whether it held a value.
    public func delete(_ key: Key) async throws -> Bool {
        guard !stopped else { throw DriverError.shuttingDown }
        // Refused, not queued, while the disk is this far behind: the caller learns at once.
        guard pendingEffects.count < maximumPendingSteps else {
            updatesRefused += 1
            throw StoreError.overloaded(pending: pendingEffects.count, limit: maximumPendingSteps)
        }
        let before = node.space.value(key)
        try await submit(node.delete(key, now: clock.now()))
        if !before.store.isEmpty { recordChange(key) }
        feeds.changed(key, from: before, space: node.space)
        return !before.store.isEmpty
    }

    /// The value of `key`, or nil when absent or deleted.
    public func value(_ key: Key) -> Causal<ORMap>? {
        let state = node.space.value(key)
        return state.store.isEmpty ? nil : state
    }

    /// Keys holding a value that match `pattern`, in order, at most `limit`; and whether more matched.
    public func keys(matching pattern: KeyPattern, limit: Int) -> (keys: [Key], truncated: Bool) {
        let all = node.space.keys(matching: pattern).filter { !node.space.value($0).store.isEmpty }
        return (Array(all.prefix(limit)), all.count > limit)
    }

    // MARK: Watches

    /// The change log's current index: a watch after it sees every later change.
    public var changeIndex: UInt64 { watches.log.lastIndex }

    /// Keys matching `pattern` that changed after `index` (nil: after now); waits up to
    /// `timeout` for one. `reserved` watches are not counted against `maximumWatchers`
    /// (see `WatchRegistry.admit`).
    public func watch(_ pattern: KeyPattern, after requested: UInt64?, timeout: Duration, reserved: Bool = false) async throws(ClusterError) -> WatchResult {
        guard !stopped else { throw .shuttingDown }
        let index = requested ?? watches.log.lastIndex
        if let result = watches.pending(pattern, after: index) { return result }
        try watches.admit(reserved: reserved)
        return await withCheckedContinuation { continuation in
            let id = watches.add(pattern, after: index, waiter: continuation, reserved: reserved)
            Task { [self] in
                try? await Task.sleep(for: timeout)
                expireWatch(id)
            }
        }
    }

    func expireWatch(_ id: UInt64) {
        if let (waiter, result) = watches.expire(id) { waiter.resume(returning: result) }
    }

    func recordChange(_ key: Key) {
        for (waiter, result) in watches.record(key) { waiter.resume(returning: result) }
    }

    // MARK: Membership, for the API

    public var me: Peer { node.me }

    public var incarnation: UInt64 { node.gossip.incarnation }

    /// Every node this one knows of, itself included, by name.
    /// The node's member projection (`memberSnapshots`), with when this driver last heard
    /// each one directly.
    public func members() -> [MemberView] {
        let now = clock.now()
        return node.memberSnapshots().map { member in
            MemberView(
                name: member.name, address: member.address, incarnation: member.incarnation,
                reachable: member.reachable, distance: member.distance,
                lastHeardMillisecondsAgo: lastHeard[NodeID(member.name)].map { (now - $0).nanosecondsValue / 1_000_000 },
                leaving: member.leaving, isSelf: member.isSelf
            )
        }
    }

    /// Where this node stands (see `SelfView`).
    public func selfView() -> SelfView {
        let neighbours = node.gossip.membership.activeView.count
        let contacts = node.gossip.contacts.count
        let state: SelfView.State = neighbours > 0 ? .cluster : contacts > 0 ? .joining : .alone
        return SelfView(
            name: node.me.id.name, state: state, neighbours: neighbours, contacts: contacts,
            reachableMembers: node.gossip.reachable.count + (node.gossip.isReachable(node.me.id) ? 0 : 1)
        )
    }

    /// Whether this node sees the overlay in pieces, and the evidence.
    public func split() -> SplitView {
        let gossip = node.gossip
        let evidence = gossip.overlaySplit
        return SplitView(
            split: evidence != nil,
            sinceMillisecondsAgo: evidence.map { (clock.now() - $0.since).nanosecondsValue / 1_000_000 },
            unreachableContacts: (evidence?.unreachableContacts ?? []).map(\.name),
            unreachableLinkedMembers: (evidence?.unreachableLinkedMembers ?? []).map(\.name),
            unreachableMembers: gossip.unreachable.count,
            episodes: gossip.splitEpisodes
        )
    }

    /// The spanning tree of shortest paths from `root` (this node by default).
    public func tree(root: String?) -> [TreeEntry] {
        node.gossip.tree(root: root.map { NodeID($0) }).map { id, route in
            TreeEntry(name: id.name, parent: route.parent?.name, distance: route.distance)
        }.sorted { $0.name < $1.name }
    }

    /// The node's internals, for `lashup debug state`.
    public func debugState() -> DebugStateView {
        let statistics = statistics()
        var state = DebugStateView()
        let membership = node.gossip.membership
        state.activeView = membership.activeViewRTT.map { peer, rtt in
            DebugStateView.Neighbour(name: peer.id.name, address: peer.address, smoothedRTTMilliseconds: rtt.smoothed.map(Self.milliseconds),
                                     rttVariationMilliseconds: Self.milliseconds(rtt.variation))
        }.sorted { $0.name < $1.name }
        state.passiveView = membership.passiveView.map(\.id.name).sorted()
        state.localHealth = membership.localHealthScore
        state.timersArmed = timersArmed.load(ordering: .relaxed)
        state.inboxDepth = statistics.inputsQueued
        state.inboxDropped = statistics.inputsDropped
        state.transportQueuedBytes = statistics.transport.queuedBytes
        state.connectionsInbound = statistics.transport.inboundConnections
        state.connectionsOutbound = statistics.transport.outboundConnections
        state.commitWaiting = statistics.commitWaiting
        state.commitTransactions = statistics.commitTransactions
        state.commitPersists = statistics.commitPersists
        state.antiEntropySessions = statistics.cluster.antiEntropySessionsOpened
        state.antiEntropyKeysRepaired = statistics.cluster.keysRepaired
        state.storeKeys = statistics.keys
        state.tombstones = statistics.tombstones
        state.watchers = statistics.watchers
        for (origin, lazy) in node.gossip.plumtree.lazyPeersByOrigin where !lazy.isEmpty {
            state.lazyPeersByOrigin[origin.name] = lazy.map(\.name).sorted()
        }
        return state
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    /// Each known node's advertised active view, as its latest membership record says.
    public func links() -> [String: [String]] {
        var links: [String: [String]] = [:]
        for (id, record) in node.gossip.records { links[id.name] = record.activeView.map(\.name).sorted() }
        // This node's own view is current; its record may lag a moment behind.
        links[me.id.name] = node.gossip.membership.activeView.map(\.id.name).sorted()
        return links
    }

    public func statistics() -> AgentStatistics {
        var statistics = AgentStatistics()
        let membership = node.gossip.membership
        statistics.activeView = membership.activeView.count
        statistics.passiveView = membership.passiveView.count
        statistics.knownMembers = node.gossip.records.count
        statistics.reachableMembers = node.gossip.reachable.count
        statistics.unreachableMembers = node.gossip.unreachable.count
        statistics.overlaySplit = node.gossip.overlaySplit != nil
        statistics.unreachableContacts = node.gossip.unreachableContactCount
        statistics.splitEpisodes = node.gossip.splitEpisodes
        statistics.partitionProbesSent = node.gossip.probesSent
        statistics.membership = membership.statistics
        statistics.plumtree = node.gossip.plumtree.statistics
        statistics.cluster = node.statistics
        statistics.transport = transport.statistics
        statistics.keys = node.space.objects.count
        statistics.tombstones = node.space.tombstones.count
        statistics.inputsQueued = inbox.depth
        statistics.inputsDropped = inbox.dropped
        statistics.storeUpdates = storeUpdates
        statistics.storeUpdateFailures = storeUpdateFailures
        statistics.commitTransactions = transactions
        statistics.commitPersists = persistsCommitted
        statistics.commitUndurableKeys = undurable.keyCount
        statistics.commitFailures = undurable.failures
        statistics.commitWaiting = pendingEffects.count
        statistics.commitRejected = updatesRefused
        statistics.watchers = watches.count
        return statistics
    }
}
