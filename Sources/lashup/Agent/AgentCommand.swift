import ArgumentParser
import Foundation
import Hummingbird
import LashupAPI
import LashupCluster
import LashupNode
import LashupRuntime
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `lashup agent`: runs this host's node, its REST API and metrics until SIGTERM or SIGINT,
/// then leaves the cluster gracefully and exits 0.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run this host's agent: membership, broadcast, the replicated store, the REST API.",
        discussion: """
            Every setting can also come from a LASHUP_* environment variable (LASHUP_DATA_DIR for \
            --data-dir) or a JSON config file (--config, keys such as "data_dir"); flags win over \
            the environment, which wins over the file. Node-to-node traffic is mutual TLS: give \
            --tls-ca/--tls-cert/--tls-key (see `lashup tls`), or --dev for a local development CA.
            """
    )

    @Option(help: "This node's name (default: the host name).") var name: String?
    @Option(help: "The cluster's name; nodes of other clusters are refused (default: lashup).") var cluster: String?
    @Option(help: "Gossip listener HOST:PORT (default: 127.0.0.1:62001; port 0 picks one).") var bind: String?
    @Option(help: "HOST:PORT other nodes reach this one at (default: the bound address).") var advertise: String?
    @Option(help: "Comma-separated HOST:PORT of nodes to join through.") var join: String?
    @Option(help: "Comma-separated IP addresses reachable from outside the cluster (published; answered for public.thisnode.thisdcos.directory).") var publicIp: String?
    @Option(help: "REST API listener HOST:PORT (default: 127.0.0.1:62080).") var api: String?
    @Option(help: "Token every API request must carry (required when --api is not loopback).") var apiToken: String?
    @Option(help: "Directory of this node's database (default: /var/lib/lashup; with --dev ~/.lashup/data/NAME).") var dataDir: String?
    @Option(help: "PEM file of the cluster CA.") var tlsCa: String?
    @Option(help: "PEM file of this node's certificate.") var tlsCert: String?
    @Option(help: "PEM file of this node's private key.") var tlsKey: String?
    @Flag(help: "Development mode: without TLS flags, use (and create once) a local CA under ~/.lashup/dev-ca.") var dev = false
    @Option(help: "trace, debug, info, notice, warning, error or critical (default: info).") var logLevel: String?
    @Option(help: "JSON file of settings.") var config: String?
    @Option(help: "DNS listeners IP:PORT,... (default: 127.0.0.1:53; with --dev 127.0.0.1:8053; none: no DNS).") var dns: String?
    @Option(help: "Upstream resolvers IP[:PORT],... for names outside the cluster (default: /etc/resolv.conf; none: SERVFAIL).") var upstream: String?
    @Option(help: "Forward zones ZONE=IP[:PORT],... (longest matching zone wins).") var forwardZone: String?
    @Option(help: "Order of records in DNS answers: round_robin, random or none (default: round_robin).") var dnsOrder: String?

    func run() async throws {
        do {
            try await runAgent()
        } catch let error as RuntimeError {
            FileHandle.standardError.write(Data("lashup agent: error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    func flagSettings() -> [String: String] {
        var settings: [String: String] = [:]
        let given: [(String, String?)] = [
            ("name", name), ("cluster", cluster), ("bind", bind), ("advertise", advertise), ("join", join), ("public_ip", publicIp),
            ("api", api), ("api_token", apiToken), ("data_dir", dataDir), ("tls_ca", tlsCa),
            ("tls_cert", tlsCert), ("tls_key", tlsKey), ("log_level", logLevel),
            ("dns", dns), ("upstream", upstream), ("forward_zone", forwardZone), ("dns_order", dnsOrder),
        ]
        for (key, value) in given { if let value { settings[key] = value } }
        if dev { settings["dev"] = "true" }
        return settings
    }

    func resolveConfiguration() throws(RuntimeError) -> AgentConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var settings: [String: String] = [:]
        if let file = config ?? environment["LASHUP_CONFIG"] {
            settings = try AgentConfiguration.settings(fromFile: file)
        }
        settings.merge(AgentConfiguration.settings(fromEnvironment: environment)) { _, new in new }
        settings.merge(flagSettings()) { _, new in new }
        return try AgentConfiguration(settings: settings, home: Self.home, hostName: ProcessInfo.processInfo.hostName)
    }

    static var home: String { ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory() }

    func runAgent() async throws {
        let configuration = try resolveConfiguration()
        let dnsSettings = try DNSSettings(configuration)
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "lashup")
        logger[metadataKey: "node"] = "\(configuration.name)"

        let agent = try await Agent.start(configuration, home: Self.home, logger: logger)
        let dns: AgentDNS?
        do {
            dns = try await AgentDNS.start(dnsSettings, agent: agent, logger: logger)
        } catch {
            await agent.stop()
            throw error
        }
        let router = AgentRoutes.router(
            cluster: AgentCluster(driver: agent.driver), introspection: AgentIntrospection(driver: agent.driver), protocolVersion: Int(Hello.protocolVersion),
            metrics: MetricsExporter(registry: registry), token: configuration.apiToken, dns: dns?.service
        )
        let apiAddress = "\(configuration.apiHost):\(configuration.apiPort)"
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.apiHost, port: configuration.apiPort), serverName: "lashup"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.apiPort
                let api = HostPort.format(host: configuration.apiHost, port: port)
                // One line on stdout that scripts and tests wait for; logs go to stderr.
                print("lashup agent ready: name=\(configuration.name) gossip=\(agent.advertisedAddress) api=\(api) dns=\(dns?.address ?? "off") incarnation=\(agent.incarnation) data_dir=\(configuration.dataDirectory)")
                fflush(nil)
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: AgentService(agent: agent))] + (dns.map { [.init(service: $0)] } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            await agent.stop()
            throw RuntimeError("the REST API on \(apiAddress) failed: \(error)")
        }
        logger.info("agent stopped")
    }
}

/// Keeps the agent running until shutdown is requested, then stops it gracefully.
struct AgentService: Service {
    let agent: Agent

    func run() async throws {
        try? await gracefulShutdown()
        await agent.stop()
    }
}
