import ArgumentParser

/// The overlay's flags (`lashup agent`); `OverlayAgentSettings` reads their values, with the
/// environment's and the config file's, through `ServiceSettings`.
public struct OverlayOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "VXLAN overlays this host joins: NAME[,KEY=VALUE...][;NAME...] (default: none). Keys: subnet, host-prefix, vtep-subnet, vni, port, mtu, ipv6 (on|off), subnet6, host-prefix6, vtep-subnet6, table. `dcos` alone is the original's overlay: 9.0.0.0/8 in /24s, VTEPs in 44.128.0.0/20, VNI 1024, UDP 64000."))
    var overlays: String?
    @Option(help: "Program the overlays into this host's kernel: auto, on or off (default: auto: on with CAP_NET_ADMIN, off with --dev).")
    var overlayDataplane: String?
    @Option(help: "This host's underlay address for VXLAN (default: the address it advertises to peers).")
    var overlayAgentIp: String?
    @Option(help: "The unix socket the CNI plugin asks for addresses on (default: /run/lashup/cni.sock; none: no CNI).")
    var overlayCniSocket: String?
    @Option(help: "How long a new claim must go uncontested, with every member reachable, before it settles, in milliseconds (default: 2500; keep it above the failure detector's ~1 s).")
    var overlayQuietMs: String?
    @Option(help: "A host unreachable this long stops blocking other hosts' claims from settling, in seconds (default: 600; 0: never).")
    var overlayUnreachableSeconds: String?
    @Option(help: "A host unreachable this long loses its subnet (released for reuse), in hours (default: 24; 0: only `lashup overlay release`).")
    var overlayReclaimHours: String?
    @Option(help: "How often the kernel's overlay state is read back and repaired, in seconds (default: 60).")
    var overlayVerifySeconds: String?

    public init() {}

    /// The flags given, by setting name.
    public var given: [String: String] {
        let flags: [String: String?] = [
            "overlays": overlays, "overlay_dataplane": overlayDataplane, "overlay_agent_ip": overlayAgentIp,
            "overlay_cni_socket": overlayCniSocket, "overlay_quiet_ms": overlayQuietMs,
            "overlay_unreachable_seconds": overlayUnreachableSeconds, "overlay_reclaim_hours": overlayReclaimHours,
            "overlay_verify_seconds": overlayVerifySeconds,
        ]
        return flags.compactMapValues { $0 }
    }
}
