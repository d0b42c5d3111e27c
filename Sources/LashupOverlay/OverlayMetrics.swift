import CoreMetrics

/// The overlay's metrics (swift-metrics, exported by the agent's `/metrics`), per overlay.
public struct OverlayMetrics: Sendable {
    public let claimsMade: Counter
    /// Competing claims of this host's slot seen, and those it lost (and moved away from).
    public let conflictsSeen: Counter
    public let conflictsLost: Counter
    /// Releases of this host's claim (operator or reclaim grace) it obeyed.
    public let released: Counter
    /// Releases this host wrote for claims whose owners were away past the reclaim grace.
    public let releasesWritten: Counter
    /// 1 once this host's claim has settled.
    public let settled: Gauge
    /// Settled hosts of the overlay (this one included).
    public let hosts: Gauge
    /// Slots held, of the overlay's capacity.
    public let capacity: Gauge

    public init(overlay: String) {
        let dimensions = [("overlay", overlay)]
        claimsMade = Counter(label: "lashup_overlay_claims_total", dimensions: dimensions)
        conflictsSeen = Counter(label: "lashup_overlay_conflicts_seen_total", dimensions: dimensions)
        conflictsLost = Counter(label: "lashup_overlay_conflicts_lost_total", dimensions: dimensions)
        released = Counter(label: "lashup_overlay_released_total", dimensions: dimensions)
        releasesWritten = Counter(label: "lashup_overlay_releases_written_total", dimensions: dimensions)
        settled = Gauge(label: "lashup_overlay_settled", dimensions: dimensions)
        hosts = Gauge(label: "lashup_overlay_hosts", dimensions: dimensions)
        capacity = Gauge(label: "lashup_overlay_capacity", dimensions: dimensions)
    }

    /// CNI requests by command and outcome, and how long the agent took to answer.
    public static func cniRequest(_ command: String, ok: Bool) -> Counter {
        Counter(label: "lashup_overlay_cni_requests_total", dimensions: [("command", command), ("result", ok ? "ok" : "error")])
    }

    public static func cniLatency(_ command: String) -> Timer {
        Timer(label: "lashup_overlay_cni_duration_seconds", dimensions: [("command", command)], preferredDisplayUnit: .seconds)
    }
}
