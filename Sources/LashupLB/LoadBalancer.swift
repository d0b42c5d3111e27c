import Foundation
import LashupCRDT
import LashupCluster
import LashupDNS
import LashupStore
import Logging

/// One node's load balancer: follows the VIP keys and the reachability of their agents,
/// programs this host's dataplane, then (only then) publishes the named VIPs to DNS; and
/// publishes the backends this host runs. Every node computes the same table from the
/// replicated state and filters it by what it can reach itself.
public actor LoadBalancer {
    /// Called with the `l4lb.thisdcos.directory` records once their VIPs are in the kernel.
    public typealias DNSPublisher = @Sendable ([ZoneRecord]) -> Void

    let cluster: any Cluster
    let dataplane: (any LBDataplane)?
    let publishDNS: DNSPublisher
    let verifyInterval: Duration
    let logger: Logger
    public let metrics: LBMetrics
    let localName: String

    public private(set) var table = VIPTable()
    var reachable: Set<String> = []
    /// What the dataplane was last programmed with.
    public private(set) var programmed: [ServiceKey: [Backend]] = [:]
    var lastDNS: [ZoneRecord]?
    var lastFailure: String?
    /// Resumed once the first full state has been programmed.
    var readyWaiters: [CheckedContinuation<Void, Never>] = []
    var isReady = false
    var refreshing = false
    var refreshDue = false
    var verifyDue = false
    var claimsDue = false
    /// Latency-aware weights (nil: off, the configured weights are programmed as they are).
    var latencyWeights: LatencyWeights?
    let prober: TCPConnectProber
    let probeInterval: Duration
    /// How long this host's drained backends stay published before they are withdrawn.
    let drainTimeout: Duration
    /// `now` for `latencyWeights`, as time since this balancer began.
    let origin = ContinuousClock.now
    /// The backends the table says to use, before latency adjustment: what is probed.
    var configured: [ServiceKey: [Backend]] = [:]
    /// The last reason this host could not probe, logged once per change.
    var lastProbeTrouble: String?
    /// Where the next probe round starts when there are more targets than one round takes.
    var probeCursor = 0

    /// - Parameters:
    ///   - dataplane: nil runs without one (the table and DNS still work; nothing is programmed).
    ///   - verifyInterval: how often the kernel is read back and drift repaired.
    ///   - latencyWeights: the tuning of latency-aware weights, nil to program the configured
    ///     weights as they are.
    ///   - probeInterval: how often each TCP backend in use is probed.
    ///   - drainTimeout: how long a backend this host drained (weight 0) stays published.
    public init(cluster: any Cluster, localName: String, dataplane: (any LBDataplane)?, verifyInterval: Duration = .seconds(30),
                latencyWeights: LatencyWeights.Settings? = LatencyWeights.Settings(), probeInterval: Duration = .seconds(1),
                drainTimeout: Duration = .seconds(300),
                prober: TCPConnectProber = TCPConnectProber(),
                metrics: LBMetrics = LBMetrics(), logger: Logger, publishDNS: @escaping DNSPublisher) {
        // Without a dataplane nothing uses the weights: no backend is probed (a developer's
        // agent does not connect to every backend once a second for nothing).
        self.latencyWeights = dataplane == nil ? nil : latencyWeights.map { LatencyWeights(settings: $0) }
        self.probeInterval = probeInterval
        self.drainTimeout = drainTimeout
        self.prober = prober
        self.cluster = cluster
        self.localName = localName
        self.dataplane = dataplane
        self.verifyInterval = verifyInterval
        self.metrics = metrics
        self.logger = logger
        self.publishDNS = publishDNS
    }

    /// Follows the store and reachability until cancelled or the node stops.
    public func run() async throws(ClusterError) {
        let changes = try await cluster.changes(matching: VIPStoreKeys.pattern)
        let members = try await cluster.reachability()
        // Each feed is drained by a task that waits for this actor, so the feeds stay bounded
        // at their source (store batches coalesce per key, snapshots keep the newest).
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await batch in changes { await self.receive(batch) } }
            group.addTask { for await snapshot in members { await self.receive(snapshot) } }
            group.addTask { [verifyInterval] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: verifyInterval)
                    await self.requestRefresh(verify: true)
                }
            }
            group.addTask { [drainTimeout] in
                // Checked ten times per bound (at least every 10 s), so a drain ends within
                // a tenth of its bound after it expired.
                let period = max(.milliseconds(100), min(.seconds(10), drainTimeout / 10))
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    await self.withdrawExpiredDrains()
                }
            }
            if latencyWeights != nil {
                group.addTask { [probeInterval] in
                    // Rounds start every interval; one that waited on timeouts past the next
                    // start is followed at once, so a dead backend's second failure is not late.
                    while !Task.isCancelled {
                        let started = ContinuousClock.now
                        await self.probeRound()
                        try? await Task.sleep(until: started + probeInterval, clock: .continuous)
                    }
                }
            }
            // A feed ends when the node stops.
            _ = await group.next()
            group.cancelAll()
        }
    }

    func receive(_ batch: SubscriptionBatch) async {
        if batch.resynchronised { table = VIPTable() }
        for change in batch.changes {
            guard let vip = VIPStoreKeys.vip(of: change.key) else {
                metrics.skippedKeys.increment()
                continue
            }
            if !table.apply(vip, value: change.value.store) {
                metrics.skippedKeys.increment()
                logger.warning("more than \(VIPTable.maximumVIPs) VIPs in the store; \(vip) is not served")
            }
        }
        table.resolveNames()
        claimsDue = true
        await requestRefresh(verify: false)
    }

    func receive(_ snapshot: [MemberSnapshot]) async {
        let now = Set(snapshot.filter { $0.reachable || $0.isSelf }.map(\.name))
        guard now != reachable else { return }
        logger.debug("load balancer: reachable agents \(now.sorted())")
        reachable = now
        await requestRefresh(verify: false)
    }

    /// Runs refresh passes one at a time: the actor is re-entered at every suspension, so a
    /// request arriving during a pass only marks one more pass due (with verification if any
    /// request asked for it) for the running loop to make.
    func requestRefresh(verify: Bool) async {
        refreshDue = true
        verifyDue = verifyDue || verify
        guard !refreshing else { return }
        refreshing = true
        defer { refreshing = false }
        while refreshDue {
            refreshDue = false
            let verify = verifyDue
            verifyDue = false
            if claimsDue {
                claimsDue = false
                await writeClaims()
            }
            await refresh(verify: verify)
        }
    }

    /// Waits until the first complete state is programmed (and DNS published).
    public func ready() async {
        if isReady { return }
        await withCheckedContinuation { readyWaiters.append($0) }
    }

    /// Programs the dataplane with what the table and reachability say, forgets the flows of
    /// removed UDP backends, then publishes DNS for what is programmed.
    func refresh(verify: Bool) async {
        let reachable = reachable, localName = localName
        configured = table.services { $0 == localName || reachable.contains($0) }
        updateGauges(configured)
        let desired = adjustedForLatency(configured)
        if let dataplane, desired != programmed || verify {
            let started = ContinuousClock.now
            do {
                let report = try await dataplane.program(desired, verify: verify)
                metrics.programmingPasses.increment()
                metrics.programmingDuration.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
                if let reason = report.fullWriteReason {
                    metrics.fullWrites.increment()
                    if isReady { logger.notice("load balancer: table written whole (\(reason))") }
                }
                if lastFailure != nil { logger.notice("load balancer: programming works again") }
                lastFailure = nil
            } catch {
                metrics.syncFailures.increment()
                let text = "\(error)"
                if text != lastFailure { logger.error("load balancer: programming the kernel failed: \(text)") }
                lastFailure = text
                // DNS keeps what it had: it must not announce what the kernel does not hold.
                return
            }
            await forgetRemovedUDPFlows(from: programmed, to: desired, dataplane: dataplane)
        }
        programmed = desired
        publishNames()
        if !isReady {
            isReady = true
            // The first load was written without a read-back, to serve VIPs sooner: verify it
            // in the next pass.
            refreshDue = true
            verifyDue = true
            for waiter in readyWaiters { waiter.resume() }
            readyWaiters.removeAll()
        }
    }

    func forgetRemovedUDPFlows(from old: [ServiceKey: [Backend]], to new: [ServiceKey: [Backend]], dataplane: any LBDataplane) async {
        // A datagram sent to a VIP's address before the VIP was programmed left a flow with no
        // NAT, which every later datagram from that port follows while it keeps coming (UDP
        // flows live as long as they are used): forget it, so the client is balanced.
        for service in new.keys where service.transport == .udp && old[service] == nil {
            do {
                metrics.conntrackDeleted.increment(by: try await dataplane.forgetFlows(of: service, to: nil))
            } catch {
                logger.warning("load balancer: cannot delete the flows of new VIP \(service): \(error)")
            }
        }
        for (service, backends) in old where service.transport == .udp {
            let kept = Set((new[service] ?? []).filter { $0.weight > 0 }.map(\.endpoint))
            for backend in backends where !kept.contains(backend.endpoint) {
                do {
                    let deleted = try await dataplane.forgetFlows(of: service, to: backend)
                    metrics.conntrackDeleted.increment(by: deleted)
                } catch {
                    logger.warning("load balancer: cannot delete the flows of \(service) to \(backend): \(error)")
                }
            }
        }
    }

    /// The named VIPs' A and AAAA records, for the families that are programmed.
    func publishNames() {
        var records: [ZoneRecord] = []
        let programmedAddresses = Set(programmed.keys.map(\.address))
        for (name, index) in table.namedIndices {
            for ipv4 in [true, false] {
                let address = ipv4 ? NamedVIPAddresses.ipv4(index) : NamedVIPAddresses.ipv6(index)
                guard programmedAddresses.contains(address),
                      let owner = try? DomainName("\(name).\(NamedVIPAddresses.zone)")
                else { continue }
                records.append(ZoneRecord(name: owner, data: ipv4 ? .a(address) : .aaaa(address)))
            }
        }
        records.sort { $0.description < $1.description }
        guard records != lastDNS else { return }
        lastDNS = records
        publishDNS(records)
    }

    func updateGauges(_ desired: [ServiceKey: [Backend]]) {
        metrics.vips.record(table.backends.count)
        let all = table.backends.values.reduce(0) { $0 + $1.count }
        metrics.backends.record(all)
        let unreachable = table.backends.values.joined().filter { $0.agent != localName && !reachable.contains($0.agent) }.count
        metrics.unreachableBackends.record(unreachable)
        let failOpen = desired.values.filter { backends in backends.contains { $0.agent != localName && !reachable.contains($0.agent) } }.count
        metrics.failOpenVIPs.record(failOpen)
    }

    /// Writes the address claim of each named VIP this node hosts a backend of, where the key
    /// lacks it (see `NamedVIPAddresses`).
    func writeClaims() async {
        for (vip, backends) in table.backends where backends.contains(where: { $0.agent == localName }) {
            guard let index = table.claimToWrite(for: vip) else { continue }
            do {
                let key = try VIPStoreKeys.key(vip)
                let timestamp = VIPStoreKeys.nextTimestamp(after: await cluster.value(key)?.store, now: Self.wallClock())
                _ = try await cluster.update(key, VIPStoreKeys.operations(claiming: index, timestamp: timestamp))
            } catch {
                logger.warning("load balancer: cannot write the address claim of \(vip): \(error)")
            }
        }
    }

    static func wallClock() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000_000)) }
}
