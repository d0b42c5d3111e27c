import LashupCluster
import LashupNetlink

/// The load balancer's settings (`LBOptions` are their flags); each bad value is one error
/// naming the flag.
public struct LBSettings: Sendable {
    public enum DataplaneMode: String, Sendable { case auto, on, off }

    public var dataplane: DataplaneMode
    public var ranges: [IPPrefix]
    public var verifyInterval: Duration
    /// Latency-aware weights: probe TCP backends and weight them by connect latency, ejecting
    /// those that fail (`--lb-latency-weights on|off`, default on).
    public var latencyWeights: Bool
    /// How often each TCP backend in use is probed (`--lb-probe-ms`, default 1000). Every agent
    /// routing to a backend probes it, so a backend receives one connection per such agent per
    /// interval.
    public var probeInterval: Duration
    /// How long a backend this host drained (weight 0) stays published before it is withdrawn
    /// (`--lb-drain-seconds`, default 300).
    public var drainTimeout: Duration
    /// The agent's `--dev`: `auto` then leaves the kernel alone (a laptop is not reprogrammed
    /// by surprise).
    public var development: Bool

    public static let defaultRanges = "11.0.0.0/8,fd01:c::/64"

    public init(_ settings: ServiceSettings, development: Bool) throws(SettingError) {
        let mode = settings.value("lb_dataplane") ?? "auto"
        guard let parsed = DataplaneMode(rawValue: mode) else { throw SettingError("--lb-dataplane \"\(mode)\": use auto, on or off") }
        dataplane = parsed
        ranges = []
        for item in (settings.value("vip_ranges") ?? Self.defaultRanges).split(separator: ",").map({ $0.trimmingCharacters() }) where !item.isEmpty {
            guard item.contains("/"), let prefix = IPPrefix(item), prefix.network == prefix else {
                throw SettingError("--vip-ranges \"\(item)\" is not a network in CIDR form (such as 11.0.0.0/8)")
            }
            ranges.append(prefix)
        }
        let seconds = settings.value("lb_verify_seconds") ?? "30"
        guard let value = Int(seconds), value >= 1, value <= 3_600 else {
            throw SettingError("--lb-verify-seconds \"\(seconds)\": a whole number of seconds from 1 to 3600")
        }
        verifyInterval = .seconds(value)
        let drain = settings.value("lb_drain_seconds") ?? "300"
        guard let drainSeconds = Int(drain), drainSeconds >= 1, drainSeconds <= 86_400 else {
            throw SettingError("--lb-drain-seconds \"\(drain)\": a whole number of seconds from 1 to 86400")
        }
        drainTimeout = .seconds(drainSeconds)
        let probe = settings.value("lb_probe_ms") ?? "1000"
        guard let probeMilliseconds = Int(probe), probeMilliseconds >= 100, probeMilliseconds <= 60_000 else {
            throw SettingError("--lb-probe-ms \"\(probe)\": a whole number of milliseconds from 100 to 60000")
        }
        probeInterval = .milliseconds(probeMilliseconds)
        switch settings.value("lb_latency_weights") ?? "on" {
        case "on": latencyWeights = true
        case "off": latencyWeights = false
        case let other: throw SettingError("--lb-latency-weights \"\(other)\": use on or off")
        }
        self.development = development
    }

    /// Why the dataplane stays off (nil: it runs).
    public var dataplaneOffReason: String? {
        switch dataplane {
        case .off: return "load balancer dataplane off (--lb-dataplane off): VIPs are published and listed, not programmed"
        case .auto where development:
            return "load balancer dataplane off in --dev mode (this host's kernel is left alone; --lb-dataplane on to program it)"
        case .auto, .on:
            return KernelAccess.missing(for: "load balancer dataplane")
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
