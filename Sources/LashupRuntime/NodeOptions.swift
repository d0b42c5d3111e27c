import ArgumentParser

/// The node's command-line flags (`lashup agent`); `AgentConfiguration` reads their values,
/// with the environment's and the config file's, through `ServiceSettings`.
public struct NodeOptions: ParsableArguments {
    @Option(help: "This node's name (default: the host name).") var name: String?
    @Option(help: "The cluster's name; nodes of other clusters are refused (default: lashup).") var cluster: String?
    @Option(help: "Gossip listener HOST:PORT (default: 127.0.0.1:62001; port 0 picks one).") var bind: String?
    @Option(help: "HOST:PORT other nodes reach this one at (default: the bound address).") var advertise: String?
    @Option(help: "Comma-separated HOST:PORT of nodes to join through.") var join: String?
    @Option(help: "Comma-separated IP addresses reachable from outside the cluster (published; answered for public.thisnode.thisdcos.directory).") var publicIp: String?
    @Option(help: "Directory of this node's database (default: /var/lib/lashup; with --dev ~/.lashup/data/NAME).") var dataDir: String?
    @Option(help: "PEM file of the cluster CA.") var tlsCa: String?
    @Option(help: "PEM file of this node's certificate.") var tlsCert: String?
    @Option(help: "PEM file of this node's private key.") var tlsKey: String?
    @Flag(help: "Development mode: without TLS flags, use (and create once) a local CA under ~/.lashup/dev-ca.") var dev = false

    public init() {}

    /// The flags given, by setting name.
    public var given: [String: String] {
        let flags: [String: String?] = [
            "name": name, "cluster": cluster, "bind": bind, "advertise": advertise, "join": join, "public_ip": publicIp,
            "data_dir": dataDir, "tls_ca": tlsCa, "tls_cert": tlsCert, "tls_key": tlsKey, "dev": dev ? "true" : nil,
        ]
        return flags.compactMapValues { $0 }
    }
}
