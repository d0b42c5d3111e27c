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
        var zones = localZones
        var total = 0
        var rejected: [String] = []
        // Keys differing only in case name one zone: their records are merged, so every node
        // builds the same zone whatever order it reads them in.
        var byApex: [DomainName: [String]] = [:]
        for (name, lines) in records {
            guard let apex = ZoneTable.storeApex(name) else {
                rejected.append("zone \(name): not an internal zone (<x>.thisdcos.directory)")
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
        let generation = generationCounter.load(ordering: .relaxed) + 1
        table.withLockedValue { $0 = ZoneTable(zones: zones, generation: generation) }
        generationCounter.store(generation, ordering: .releasing)
        metrics.zoneRecords.record(total)
        metrics.zoneRecordsRejected.record(rejected.count)
        if !rejected.isEmpty {
            logger.warning("DNS records skipped", metadata: ["count": "\(rejected.count)", "first": "\(rejected[0])"])
        }
    }

    /// A forwarded answer, encoded, with what a per-loop cache needs to serve it again.
    struct ForwardedReply {
        var bytes: [UInt8]
        var counter: Counter
        /// Nil when the answer may not be cached (errors, SERVFAIL, no TTL).
        var expiry: ResponseCache.Expiry?
    }

    /// Forwards `query` (already known to route to `upstreams`), answering from the cache when
    /// it can. The future holds the reply, or nil when the query is dropped.
    func forward(_ query: Message, zone: DomainName, upstreams: [Upstream], overTCP: Bool, limit: Int, on loop: any EventLoop, now: UInt64) -> EventLoopFuture<ForwardedReply?> {
        let question = query.questions[0]
        let dnssecOK = query.edns?.dnssecOK ?? false
        // CD=1 asks the upstream not to validate: such an answer may be bogus, so it is
        // neither served from nor put in the cache that CD=0 clients rely on.
        let cacheable = !query.header.checkingDisabled
        if cacheable, let cached = cache.withLockedValue({ $0.lookup(question, dnssecOK: dnssecOK, now: now) }) {
            metrics.cacheHits.increment()
            var response = resolver.reply(to: query, code: cached.code, keepQuestion: true)
            response.answers = cached.answers
            response.authorities = cached.authorities
            response.additionals = cached.additionals
            let counter = metrics.queries(zone: zone, code: cached.code)
            counter.increment()
            return loop.makeSucceededFuture(reply(response, counter: counter, limit: limit, storedAt: cached.storedAt, expiresAt: cached.expiresAt, age: cached.age))
        }
        metrics.cacheMisses.increment()
        guard inFlight.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maximumInFlight else {
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            metrics.droppedBusy.increment()
            return loop.makeSucceededFuture(nil)
        }
        metrics.forwardedQueries.increment()
        var random = SystemRandomNumberGenerator()
        let chosen = health.withLockedValue { $0.choose(from: upstreams, random: &random) }
        let answer = forwarder.dispatch(query, to: chosen, overTCP: overTCP, service: self, on: loop)
        return answer.map { [self] upstreamAnswer -> ForwardedReply? in
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            guard let upstreamAnswer else {
                let failure = resolver.reply(to: query, code: .serverFailure, keepQuestion: true)
                let counter = metrics.queries(zone: zone, code: .serverFailure)
                counter.increment()
                return ForwardedReply(bytes: failure.encoded(limit: limit), counter: counter, expiry: nil)
            }
            if cacheable {
                let evicted = cache.withLockedValue { cache -> Int in
                    let before = cache.evictions
                    cache.store(upstreamAnswer, for: question, dnssecOK: dnssecOK, now: now)
                    metrics.cacheEntries.record(cache.count)
                    return cache.evictions - before
                }
                if evicted > 0 { metrics.cacheEvictions.increment(by: Int64(evicted)) }
            }
            let lifetime = upstreamAnswer.header.truncated || !cacheable ? nil : AnswerCache.lifetime(of: upstreamAnswer)
            let served = lifetime.map { AnswerCache.clamping(upstreamAnswer, to: $0) } ?? upstreamAnswer
            var response = resolver.reply(to: query, code: upstreamAnswer.responseCode, keepQuestion: true)
            // An upstream answer cut short stays marked so: the client retries over TCP
            // (and a TCP query is forwarded over TCP). AD is not passed on: we do not validate.
            response.header.truncated = upstreamAnswer.header.truncated
            response.answers = served.answers
            response.authorities = served.authorities
            response.additionals = served.additionals
            let counter = metrics.queries(zone: zone, code: upstreamAnswer.responseCode)
            counter.increment()
            let expiresAt = lifetime.map { now &+ UInt64($0) * 1_000_000_000 }
            return reply(response, counter: counter, limit: limit, storedAt: now, expiresAt: expiresAt, age: 0)
        }
    }

    /// Encodes a forwarded answer whose TTLs are `age` seconds below what they were at `storedAt`.
    func reply(_ response: Message, counter: Counter, limit: Int, storedAt: UInt64, expiresAt: UInt64?, age: UInt32) -> ForwardedReply {
        let (bytes, offsets) = response.encodedWithTTLOffsets(limit: limit)
        guard let expiresAt else { return ForwardedReply(bytes: bytes, counter: counter, expiry: nil) }
        let ttls = offsets.map { offset -> UInt32 in
            let served = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
            return served + age
        }
        return ForwardedReply(bytes: bytes, counter: counter, expiry: ResponseCache.Expiry(storedAt: storedAt, expiresAt: expiresAt, ttlOffsets: offsets, baseTTLs: ttls))
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
