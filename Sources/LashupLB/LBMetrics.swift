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

    public init() {}
}
