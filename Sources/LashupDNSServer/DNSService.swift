import LashupCRDT
import LashupDNS
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Everything the DNS listeners share: the current zones, the resolver, the forwarder with its
/// cache, and the bound on work in flight.
///
/// The zone table is replaced whole (`replaceStoreZones`) and readers pick the new one up by
/// its generation number, so a query never sees half an update.
public final class DNSService: Sendable {
    /// Most forwarded queries in flight at once; beyond, queries are dropped and counted
    /// (the original's 1 024 concurrent handlers).
    public static let maximumInFlight = 1_024
    /// Per-upstream and overall forwarding time limits (the original's values).
    public static let defaultUpstreamTimeout = TimeAmount.seconds(5)
    public static let defaultOverallTimeout = TimeAmount.seconds(10)

    let upstreamTimeout: TimeAmount
    let overallTimeout: TimeAmount

    public let resolver: Resolver
    public let metrics: DNSMetrics
    let logger: Logger
    let localZones: [Zone]
    let table: NIOLockedValueBox<ZoneTable>
    /// The zones last built from the store, and those services publish (by apex), which the
    /// table is rebuilt from when either changes.
    let sources = NIOLockedValueBox((store: [Zone](), services: [DomainName: Zone]()))
    let generationCounter = Atomic<UInt64>(0)
    let cache: NIOLockedValueBox<AnswerCache>
    let health = NIOLockedValueBox(UpstreamHealth())
    let inFlight = Atomic<Int>(0)
    let forwarder: Forwarder

    /// - Parameters:
    ///   - localZones: zones this node makes up (see `ZoneTable.localZones`).
    ///   - cacheCapacity: most forwarded answers kept.
    ///   - upstreamTimeout, overallTimeout: how long one upstream, and all together, may take.
    public init(resolver: Resolver, localZones: [Zone], cacheCapacity: Int = 10_000, metrics: DNSMetrics = DNSMetrics(),
                upstreamTimeout: TimeAmount = DNSService.defaultUpstreamTimeout, overallTimeout: TimeAmount = DNSService.defaultOverallTimeout,
                logger: Logger) {
        self.resolver = resolver
        self.upstreamTimeout = upstreamTimeout
        self.overallTimeout = overallTimeout
        self.metrics = metrics
        self.logger = logger
        self.localZones = localZones
        self.table = NIOLockedValueBox(ZoneTable(zones: localZones, generation: 0))
        self.cache = NIOLockedValueBox(AnswerCache(capacity: cacheCapacity))
        self.forwarder = Forwarder()
    }

    /// The generation of the current zone table (cheap: one atomic load).
    var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    /// The current zone table.
    public var zones: ZoneTable { table.withLockedValue { $0 } }

    /// Replaces the zones that come from the store. `records` maps a store zone name to its
    /// record lines; lines that do not parse, or lie outside their zone, are skipped and
    /// counted (and logged once per rebuild).
    public func replaceStoreZones(_ records: [String: [String]], serial: UInt32) {
        var zones: [Zone] = []
        var total = 0
        var rejected: [String] = []
        // Keys differing only in case name one zone: their records are merged, so every node
        // builds the same zone whatever order it reads them in.
        var byApex: [DomainName: [String]] = [:]
        for (name, lines) in records {
            guard let apex = ZoneTable.storeApex(name) else {
                rejected.append("zone \(name): not an internal zone (<x>.thisdcos.directory, or zk)")
                continue
            }
            byApex[apex, default: []] += lines
        }
        for (apex, lines) in byApex {
            var parsed: [ZoneRecord] = []
            for line in lines {
                do {
                    let record = try ZoneRecord(line: line)
                    guard record.name.isSubdomain(of: apex) else {
                        rejected.append("\(line): not in zone \(apex.relativeDescription)")
                        continue
                    }
                    parsed.append(record)
                } catch {
                    rejected.append("\(error)")
                }
            }
            total += parsed.count
            zones.append(Zone(apex: apex, records: parsed, serial: serial))
        }
        sources.withLockedValue { $0.store = zones }
        rebuild()
        metrics.zoneRecords.record(total)
        metrics.zoneRecordsRejected.record(rejected.count)
        if !rejected.isEmpty {
            logger.warning("DNS records skipped", metadata: ["count": "\(rejected.count)", "first": "\(rejected[0])"])
        }
    }

    /// Replaces the zone a local service makes up (the load balancer's `l4lb.thisdcos.directory`,
    /// fed only once its VIPs are in the kernel): it takes precedence over a store zone of the
    /// same apex. `records` empty removes the zone.
    public func replaceServiceZone(apex: DomainName, records: [ZoneRecord], serial: UInt32) {
        let zone = Zone(apex: apex, records: records.filter { $0.name.isSubdomain(of: apex) }, serial: serial)
        sources.withLockedValue { $0.services[apex] = records.isEmpty ? nil : zone }
        rebuild()
    }

    /// Builds the zone table from the local, service and store zones, and publishes it.
    func rebuild() {
        // Under the lock, so two rebuilds cannot publish out of order.
        sources.withLockedValue { sources in
            let services = sources.services
            let zones = localZones + services.values.sorted { $0.apex.description < $1.apex.description }
                + sources.store.filter { services[$0.apex] == nil }
            let generation = generationCounter.load(ordering: .relaxed) + 1
            table.withLockedValue { $0 = ZoneTable(zones: zones, generation: generation) }
            generationCounter.store(generation, ordering: .releasing)
        }
    }

    func recordOutcome(_ upstream: Upstream, success: Bool, elapsed: TimeAmount) {
        let (latency, failures) = metrics.upstream(upstream)
        if success {
            latency.recordNanoseconds(elapsed.nanoseconds)
            health.withLockedValue { $0.recordSuccess(upstream) }
        } else {
            failures.increment()
            health.withLockedValue { $0.recordFailure(upstream) }
        }
    }
}
