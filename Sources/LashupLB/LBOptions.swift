import ArgumentParser

/// The load balancer's flags (`lashup agent`); `LBSettings` reads their values, with the
/// environment's and the config file's, through `ServiceSettings`.
public struct LBOptions: ParsableArguments {
    @Option(help: "Program VIPs into this host's kernel: auto, on or off (default: auto: on with CAP_NET_ADMIN, off with --dev).")
    var lbDataplane: String?
    @Option(help: "VIP ranges routed to this host's VIP link, CIDR,... (default: 11.0.0.0/8,fd01:c::/64).") var vipRanges: String?
    @Option(help: "How often the kernel's VIP state is read back and repaired, in seconds (default: 30).") var lbVerifySeconds: String?

    @Option(help: "Weight TCP backends by their measured connect latency and eject those that fail probes: on or off (default: on).")
    var lbLatencyWeights: String?
    @Option(help: "How often each TCP backend in use is probed for latency-aware weights, in milliseconds (default: 1000).")
    var lbProbeMs: String?
    @Option(help: "How long a backend drained here (weight 0) stays published before it is withdrawn, in seconds (default: 300).")
    var lbDrainSeconds: String?

    public init() {}

    /// The flags given, by setting name.
    public var given: [String: String] {
        let flags: [String: String?] = ["lb_dataplane": lbDataplane, "vip_ranges": vipRanges, "lb_verify_seconds": lbVerifySeconds,
                                        "lb_latency_weights": lbLatencyWeights, "lb_drain_seconds": lbDrainSeconds,
                                        "lb_probe_ms": lbProbeMs]
        return flags.compactMapValues { $0 }
    }
}
