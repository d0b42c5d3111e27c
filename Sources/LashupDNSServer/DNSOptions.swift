import ArgumentParser

/// DNS's command-line flags (`lashup agent`); `DNSSettings` reads their values, with the
/// environment's and the config file's, through `ServiceSettings`.
public struct DNSOptions: ParsableArguments {
    @Option(help: "DNS listeners IP:PORT,... (default: 127.0.0.1:53; with --dev 127.0.0.1:8053; none: no DNS).") var dns: String?
    @Option(help: "Upstream resolvers IP[:PORT],... for names outside the cluster (default: /etc/resolv.conf; none: SERVFAIL).") var upstream: String?
    @Option(help: "Forward zones ZONE=IP[:PORT],... (longest matching zone wins).") var forwardZone: String?
    @Option(help: "Order of records in DNS answers: round_robin, random or none (default: round_robin).") var dnsOrder: String?

    public init() {}

    /// The flags given, by setting name.
    public var given: [String: String] {
        let flags: [String: String?] = ["dns": dns, "upstream": upstream, "forward_zone": forwardZone, "dns_order": dnsOrder]
        return flags.compactMapValues { $0 }
    }
}
