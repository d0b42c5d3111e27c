import CoreMetrics

/// The load balancer's metrics (swift-metrics, exported by the agent's `/metrics`).
public struct LBMetrics: Sendable {
    public let vips = Gauge(label: "lashup_lb_vips")
    public let backends = Gauge(label: "lashup_lb_backends")
    /// Backends left out because their agent is unreachable from here.
    public let unreachableBackends = Gauge(label: "lashup_lb_unreachable_backends")
    /// VIPs served from unreachable backends because none was reachable (fail open).
    public let failOpenVIPs = Gauge(label: "lashup_lb_fail_open_vips")
    public let programmingDuration = Timer(label: "lashup_lb_programming_duration_seconds", preferredDisplayUnit: .seconds)
    public let programmingPasses = Counter(label: "lashup_lb_programming_passes_total")
    public let syncFailures = Counter(label: "lashup_lb_sync_failures_total")
    /// Whole-table writes (first, structure change, drift repaired).
    public let fullWrites = Counter(label: "lashup_lb_full_writes_total")
    public let conntrackDeleted = Counter(label: "lashup_lb_conntrack_entries_deleted_total")
    /// VIP keys in the store not served (malformed, or past `VIPTable.maximumVIPs`).
    public let skippedKeys = Counter(label: "lashup_lb_skipped_keys_total")
    /// Latency-aware weights: TCP connect probes made, failed, and their latency.
    public let probes = Counter(label: "lashup_lb_probes_total")
    public let probeFailures = Counter(label: "lashup_lb_probe_failures_total")
    /// Probes this host could not make (no descriptors or ports left): nothing is recorded.
    public let probesNotMade = Counter(label: "lashup_lb_probes_not_made_total")
    public let probeLatency = Timer(label: "lashup_lb_probe_latency_seconds", preferredDisplayUnit: .seconds)
    /// Probe results dropped because `LatencyWeights.Settings.maximumTracked` backends were tracked.
    public let probeResultsDropped = Counter(label: "lashup_lb_probe_results_dropped_total")
    /// Backends ejected for failing their probes (weight 0 until they answer again).
    public let ejectedBackends = Gauge(label: "lashup_lb_ejected_backends")
    /// (VIP, backend) pairs whose weight is divided because they connect slower than the VIP's fastest.
    public let latencyReducedBackends = Gauge(label: "lashup_lb_latency_reduced_backends")

    public init() {}
}
