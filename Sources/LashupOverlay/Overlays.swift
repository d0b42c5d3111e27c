import Foundation
import LashupCRDT
import LashupCluster
import LashupNetlink
import LashupStore
import Logging

/// This host's overlays: steps each overlay's allocation on every store or reachability
/// change (and every `stepInterval`), tells the attachment manager which subnets it may hand
/// out, and keeps the kernel's overlay state reconciled to the settled claims.
public actor Overlays {
    public let settings: [OverlaySettings]
    let cluster: any Cluster
    let allocations: [String: OverlayAllocation]
    public let attachments: AttachmentManager
    let client: RTNetlink?
    let logger: Logger
    let stepInterval: Duration
    let verifyInterval: Duration
    let agentIPOverride: String?
    let metrics: [String: OverlayMetrics]
    let started = ContinuousClock.now
    var members: [MemberSnapshot] = []
    var agentIP: String?
    var mtu: UInt32 = 1420
    /// What the kernel should hold; nil until the first step (a restarted agent must not
    /// reconcile to "nothing" before it has read its claim back: its containers would lose
    /// their routes).
    var desired: KernelState?
    var reconcileLoop: ReconcileLoop?
    /// What the last pass left in the kernel (nil: unknown, the next pass is a full one).
    var applied: KernelState?
    var lastFullReconcile: ContinuousClock.Instant?
    var reported: [String: OverlayAllocator.Counters] = [:]
    /// The change feed's first batch has been applied (steps wait for it).
    var fed = false
    /// How many of the overlays this host holds a settled claim in (after the last step).
    var settledClaims = 0
    /// When each overlay's claim settled here, for `listing` (and the join figure).
    var settledAfter: [String: Duration] = [:]
    let (steps, stepRequests) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    /// - Parameters:
    ///   - client: the kernel; nil when the dataplane is off (claims and CNI answers still work).
    ///   - agentIP: this host's underlay address; nil: the address it publishes in its metadata.
    public init(settings: [OverlaySettings], cluster: any Cluster, attachments: AttachmentManager, client: RTNetlink?, agentIP: String?,
                timing: OverlayAllocator.Timing = .init(), stepInterval: Duration = .seconds(1), verifyInterval: Duration = .seconds(60),
                me: String, expectsPeers: Bool = false, logger: Logger) {
        self.settings = settings
        self.cluster = cluster
        self.attachments = attachments
        self.client = client
        self.agentIPOverride = agentIP
        self.stepInterval = stepInterval
        self.verifyInterval = verifyInterval
        self.logger = logger
        allocations = Dictionary(uniqueKeysWithValues: settings.map { ($0.name, OverlayAllocation(settings: $0, me: me, cluster: cluster, timing: timing, expectsPeers: expectsPeers)) })
        metrics = Dictionary(uniqueKeysWithValues: settings.map { ($0.name, OverlayMetrics(overlay: $0.name)) })
    }

    /// Runs until cancelled or the node stops.
    public func run() async throws(ClusterError) {
        let changes = try await cluster.changes(matching: OverlayStoreKeys.pattern)
        let reachability = try await cluster.reachability()
        await prepare()
        for overlay in settings { metrics[overlay.name]?.capacity.record(overlay.capacity) }
        let loop = client.map { client in
            ReconcileLoop(service: "overlay", interval: verifyInterval, logger: logger) { [weak self] in
                guard let self else { return ReconcileReport() }
                return try await self.reconcile(client)
            }
        }
        reconcileLoop = loop
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await batch in changes {
                    await self.apply(batch)
                    self.requestStep()
                }
            }
            group.addTask { for await snapshot in reachability { await self.receive(snapshot) } }
            group.addTask { [stepInterval] in
                // Four times as often while a claim waits to settle: its quiet period's end is
                // noticed within a quarter of the interval (a joining host's settle time).
                while !Task.isCancelled {
                    let waiting = await self.settledClaims < self.settings.count
                    try? await Task.sleep(for: waiting ? stepInterval / 4 : stepInterval)
                    self.requestStep()
                }
            }
            group.addTask { for await _ in self.steps { await self.step() } }
            if let loop { group.addTask { await loop.run() } }
            _ = await group.next()
            group.cancelAll()
            loop?.finish()
            stepRequests.finish()
        }
    }

    nonisolated func requestStep() { stepRequests.yield() }

    /// Keeps every allocation's claims current from the change feed; the first batch (every
    /// existing key) must arrive before the first step, or a restarted agent would take its
    /// own claim for missing and its kernel state for unwanted.
    func apply(_ batch: SubscriptionBatch) async {
        for allocation in allocations.values { await allocation.apply(batch.changes, resynchronised: batch.resynchronised || !fed) }
        fed = true
    }

    func receive(_ snapshot: [MemberSnapshot]) {
        members = snapshot
        requestStep()
    }

    /// This host's underlay address and MTU, and forwarding on (containers' traffic is routed).
    func prepare() async {
        let local = await cluster.local()
        agentIP = agentIPOverride ?? (local.metadata.privateIP.isEmpty ? HostPort.parse(local.address)?.host : local.metadata.privateIP)
        guard let client else { return }
        if let agentIP, let address = IPAddress(agentIP),
           let interface = try? client.addresses().first(where: { $0.prefix.address == address })?.interface,
           let underlay = try? client.links().first(where: { $0.name == interface })?.mtu {
            mtu = underlay - 50
        } else {
            logger.notice("overlay: the underlay MTU of \(agentIP ?? "this host") is unknown; using 1420")
        }
        for path in ["/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"] {
            if (try? "1\n".write(toFile: path, atomically: false, encoding: .utf8)) == nil {
                logger.warning("overlay: cannot turn forwarding on (\(path)); containers will not reach other hosts")
            }
        }
    }

    func step() async {
        guard fed else { return }
        let monotonic = ContinuousClock.now - started
        let wallClock = Self.wallClock()
        var inputs: [OverlayKernelState.Input] = []
        for overlay in settings {
            guard let allocation = allocations[overlay.name], let metrics = metrics[overlay.name] else { continue }
            let actions = await allocation.step(members: members, agentIP: agentIP, monotonic: monotonic, wallClock: wallClock, read: false)
            let allocator = await allocation.allocator
            for action in actions { report(action, overlay: overlay.name, after: monotonic) }
            record(allocator.counters, metrics: metrics, overlay: overlay.name)
            let holders = await allocation.settledHolders
            metrics.hosts.record(holders.count)
            metrics.settled.record(allocator.settledClaim == nil ? 0 : 1)
            var waitingFor = ""
            switch allocator.status {
            case let .waiting(reason): waitingFor = reason
            case let .claimed(_, reason): waitingFor = reason
            case .settled: break
            }
            // Only a claim that still holds its slot is handed out and routed.
            let mine = allocator.settledClaim.flatMap { holders[$0.node] == $0 ? $0 : nil }
            await attachments.update(.init(settings: overlay, settled: mine, mtu: overlay.mtu ?? mtu, waitingFor: waitingFor))
            inputs.append(.init(settings: overlay, mine: mine, holders: Array(holders.values), mtu: overlay.mtu ?? mtu))
        }
        settledClaims = inputs.filter { $0.mine != nil }.count
        let wanted = OverlayKernelState.desired(inputs)
        if wanted != desired {
            desired = wanted
            reconcileLoop?.changed()
        }
    }

    /// One kernel pass: on a change, only what changed since the last pass (no read-back);
    /// a full reconcile (read back, diff, repair drift) when links change, after a pass that
    /// failed in part, and once per verify interval.
    func reconcile(_ client: RTNetlink) throws(NetlinkError) -> ReconcileReport {
        guard let desired else { return ReconcileReport() }
        let owner = OverlayKernelState.ownership(settings)
        let due = lastFullReconcile.map { ContinuousClock.now - $0 >= verifyInterval * 0.9 } ?? true
        if !due, let applied, let report = try Reconciler.applyDelta(from: applied, to: desired, owner: owner, client: client) {
            self.applied = report.failures.isEmpty ? desired : nil
            return report
        }
        let report = try Reconciler.reconcile(desired, owner: owner, client: client)
        lastFullReconcile = .now
        applied = report.failures.isEmpty ? desired : nil
        return report
    }

    func report(_ action: OverlayAllocator.Action, overlay: String, after: Duration) {
        switch action {
        case let .settled(claim):
            settledAfter[overlay] = after
            logger.notice("overlay \(overlay): this host holds slot \(claim.slot) (settled \(after) after start)")
        case let .lost(claim, reason):
            logger.error("overlay \(overlay): this host gave slot \(claim.slot) up: \(reason); containers attached from it must be re-created")
        case let .writeRelease(release):
            logger.warning("overlay \(overlay): released \(release.node)'s claim: unreachable past the reclaim grace")
        case .writeClaim:
            break
        }
    }

    func record(_ counters: OverlayAllocator.Counters, metrics: OverlayMetrics, overlay: String) {
        let last = reported[overlay] ?? .init()
        metrics.claimsMade.increment(by: counters.claimsMade - last.claimsMade)
        metrics.conflictsSeen.increment(by: counters.conflictsSeen - last.conflictsSeen)
        metrics.conflictsLost.increment(by: counters.conflictsLost - last.conflictsLost)
        metrics.released.increment(by: counters.released - last.released)
        metrics.releasesWritten.increment(by: counters.releasesWritten - last.releasesWritten)
        reported[overlay] = counters
    }

    /// Nanoseconds since the Unix epoch: claims are stamped with the wall clock, the only time
    /// hosts share (a wrong clock only changes which of two competing claims is older).
    static func wallClock() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
