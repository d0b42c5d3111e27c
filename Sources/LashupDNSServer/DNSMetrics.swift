import CoreMetrics
import LashupDNS
import Synchronization

/// The DNS server's metrics (swift-metrics, exported by the agent's `/metrics`):
/// queries by zone and rcode, forwarder latency and failures by upstream, cache hits and
/// misses, and counted drops. Counter objects are made once per label set and reused, so the
/// per-query cost is one atomic increment.
public final class DNSMetrics: Sendable {
    let queryCounters = Mutex<[QueryLabels: Counter]>([:])
    /// Most (zone, rcode) label pairs kept; zones come from the store, so this bounds the series.
    static let maximumQuerySeries = 1_000

    public let forwardedQueries = Counter(label: "lashup_dns_forwarded_total")
    public let cacheHits = Counter(label: "lashup_dns_cache_hits_total")
    public let cacheMisses = Counter(label: "lashup_dns_cache_misses_total")
    public let cacheEvictions = Counter(label: "lashup_dns_cache_evictions_total")
    public let cacheEntries = Gauge(label: "lashup_dns_cache_entries")
    public let answerCacheResets = Counter(label: "lashup_dns_answer_cache_resets_total")
    public let droppedBusy = Counter(label: "lashup_dns_dropped_total", dimensions: [("reason", "busy")])
    public let droppedNotQuery = Counter(label: "lashup_dns_dropped_total", dimensions: [("reason", "not_a_query")])
    public let tcpRefused = Counter(label: "lashup_dns_tcp_connections_refused_total")
    public let zoneRecords = Gauge(label: "lashup_dns_zone_records")
    public let zoneRecordsRejected = Gauge(label: "lashup_dns_zone_records_rejected")
    let upstreamTimers = Mutex<[Upstream: (Timer, Counter)]>([:])

    public init() {}

    struct QueryLabels: Hashable {
        var zone: String
        var rcode: String
    }

    /// The counter of queries answered for `zone` with `code`.
    func queries(zone: DomainName, code: ResponseCode) -> Counter {
        let labels = QueryLabels(zone: zone.relativeDescription.isEmpty ? "." : zone.relativeDescription, rcode: code.description)
        return queryCounters.withLock { counters in
            if let counter = counters[labels] { return counter }
            let key = counters.count < Self.maximumQuerySeries ? labels : QueryLabels(zone: "other", rcode: labels.rcode)
            let counter = counters[key] ?? Counter(label: "lashup_dns_queries_total", dimensions: [("zone", key.zone), ("rcode", key.rcode)])
            counters[key] = counter
            return counter
        }
    }

    /// Latency timer and failure counter of one upstream.
    func upstream(_ upstream: Upstream) -> (latency: Timer, failures: Counter) {
        upstreamTimers.withLock { timers in
            if let pair = timers[upstream] { return pair }
            let pair = (Timer(label: "lashup_dns_forward_duration_seconds", dimensions: [("upstream", upstream.description)], preferredDisplayUnit: .seconds),
                        Counter(label: "lashup_dns_forward_failures_total", dimensions: [("upstream", upstream.description)]))
            timers[upstream] = pair
            return pair
        }
    }
}
