import ArgumentParser
import Foundation
import LashupAPI
import LashupCluster
import LashupDNS
import LashupDNSServer
import LashupLB
import LashupStorage
import LashupOverlay
import LashupNode
import LashupRuntime
import LashupTasks
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `lashup agent`: runs this host's node and its services (DNS, the load balancer, the REST
/// API and metrics)
/// until SIGTERM or SIGINT, then stops them in reverse order, leaves the cluster gracefully
/// and exits 0.
///
/// Each service owns its flags (an options group) and reads its settings itself; this
/// command only lists the services, in dependency order.
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

    @OptionGroup(title: "Node") var node: NodeOptions
    @OptionGroup(title: "REST API") var api: APIOptions
    @OptionGroup(title: "DNS") var dns: DNSOptions
    @OptionGroup(title: "Load balancer") var lb: LBOptions
    @OptionGroup(title: "Overlay") var overlay: OverlayOptions
    @OptionGroup(title: "Task sources") var tasks: TaskOptions
    @Option(help: "trace, debug, info, notice, warning, error or critical (default: info; change it while running with `lashup debug log-level`).") var logLevel: String?
    @Option(help: "text or json (one JSON object per line, for log shippers) (default: text).") var logFormat: String?
    @Option(help: "JSON file of settings.") var config: String?

    func run() async throws {
        do {
            try await runAgent()
        } catch let error as RuntimeError {
            throw fail(error.description)
        } catch let error as SettingError {
            throw fail(error.description)
        } catch let error as ServiceFailure {
            throw fail(error.description)
        } catch let error as LBServiceError {
            throw fail(error.description)
        } catch let error as OverlayServiceError {
            throw fail(error.description)
        } catch let error as TaskServiceError {
            throw fail(error.description)
        } catch let error as StorageError {
            throw fail(error.description)
        }
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("lashup agent: error: \(message)\n".utf8))
        return ExitCode(1)
    }

    /// Every service's settings, checked before anything starts.
    struct Settings {
        var node: AgentConfiguration
        var api: APISettings
        var dns: DNSSettings
        var lb: LBSettings
        var overlay: OverlayAgentSettings
        var tasks: TaskAgentSettings
        var logLevel: Logger.Level
        var logFormat: AgentLogHandler.Format
    }

    func resolveSettings() throws -> Settings {
        let environment = ProcessInfo.processInfo.environment
        let file = config ?? environment["LASHUP_CONFIG"]
        var flags = node.given.merging(api.given) { $1 }.merging(dns.given) { $1 }.merging(lb.given) { $1 }.merging(overlay.given) { $1 }.merging(tasks.given) { $1 }
        if let logLevel { flags["log_level"] = logLevel }
        if let logFormat { flags["log_format"] = logFormat }
        let settings = ServiceSettings(flags: flags, environment: environment, file: try file.map(SettingsFile.read) ?? [:], fileName: file)
        let node = try AgentConfiguration(settings, home: Self.home, hostName: ProcessInfo.processInfo.hostName)
        let resolved = Settings(
            node: node, api: try APISettings(settings), dns: try DNSSettings(settings, development: node.development),
            lb: try LBSettings(settings, development: node.development),
            overlay: try OverlayAgentSettings(settings, development: node.development),
            tasks: try TaskAgentSettings(settings),
            logLevel: try Self.logLevel(settings), logFormat: try Self.logFormat(settings)
        )
        try SettingsFile.checkAllRead(settings)
        return resolved
    }

    static func logLevel(_ settings: ServiceSettings) throws(SettingError) -> Logger.Level {
        let level = settings.value("log_level") ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw SettingError("--log-level \"\(level)\": use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }

    static func logFormat(_ settings: ServiceSettings) throws(SettingError) -> AgentLogHandler.Format {
        let format = settings.value("log_format") ?? "text"
        guard let parsed = AgentLogHandler.Format(rawValue: format) else { throw SettingError("--log-format \"\(format)\": use text or json") }
        return parsed
    }

    /// Debug builds only: `LASHUP_TEST_CRASH_AFTER_SECONDS=N` makes the agent die of a fatal
    /// error N seconds after it starts, so a test can check the crash leaves a symbolicated
    /// backtrace in the log (Swift's runtime backtracer) and the supervisor restarts it.
    static func crashIfAskedByATest() {
        #if DEBUG
        guard let text = ProcessInfo.processInfo.environment["LASHUP_TEST_CRASH_AFTER_SECONDS"], let seconds = Double(text) else { return }
        Task.detached {
            try? await Task.sleep(for: .seconds(seconds))
            fatalError("induced crash (LASHUP_TEST_CRASH_AFTER_SECONDS, a test build)")
        }
        #endif
    }

    static var home: String { ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory() }

    func runAgent() async throws {
        let settings = try resolveSettings()
        let logLevel = LogLevelSetting(settings.logLevel)
        let logFormat = settings.logFormat
        LoggingSystem.bootstrap { label in AgentLogHandler(label: label, format: logFormat, setting: logLevel) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "lashup")
        logger[metadataKey: "node"] = "\(settings.node.name)"

        // The node first: every service is built from its cluster.
        let agent = try await Agent.start(settings.node, home: Self.home, logger: logger)
        let ready = ReadyLine(
            fields: ["name", "gossip", "api", "dns", "incarnation", "data_dir"],
            known: ["name": settings.node.name, "gossip": agent.advertisedAddress, "incarnation": "\(agent.incarnation)", "data_dir": settings.node.dataDirectory]
        )
        let dns = await DNSAgentService.make(settings.dns, cluster: agent.cluster, logger: logger) { ready.report("dns", $0) }
        if dns == nil { ready.report("dns", "off") }
        // The load balancer names its VIPs in this agent's DNS only once they are programmed.
        let lb = try await LBAgentService.make(settings.lb, cluster: agent.cluster, logger: logger) { [dns] records in
            dns?.service.replaceServiceZone(apex: try! DomainName(NamedVIPAddresses.zone), records: records, serial: UInt32(clamping: Int(Date().timeIntervalSince1970)))
        }
        var overlay: OverlayAgentService?
        if !settings.overlay.overlays.isEmpty {
            let store: any AttachmentStore = try SQLiteAttachmentStore(directory: settings.node.dataDirectory)
            let nameservers = settings.dns.listen.map(\.host).filter { !$0.hasPrefix("127.") && $0 != "::1" && $0 != "0.0.0.0" && $0 != "::" }
            overlay = try await OverlayAgentService.make(settings.overlay, cluster: agent.cluster, store: store, nameservers: nameservers,
                                                        expectsPeers: !settings.node.join.isEmpty, logger: logger)
        }
        // Tasks publish backends through the load balancer and names through the store.
        let tasks = try await TaskAgentService.make(settings.tasks, cluster: agent.cluster, balancer: lb.balancer,
                                                dataDirectory: settings.node.dataDirectory, logger: logger)
        let api = APIService(
            settings.api, cluster: agent.cluster, introspection: AgentIntrospection(driver: agent.driver), protocolVersion: Int(Hello.protocolVersion),
            metrics: MetricsExporter(registry: registry), dns: dns?.service, balancer: lb.balancer, overlays: overlay?.overlays, tasks: tasks, logLevel: logLevel, logger: logger
        ) { ready.report("api", $0) }
        // In dependency order: the group starts them in this order and shuts them down in
        // reverse, so the API stops taking requests first and the node leaves last.
        var services: [NamedService] = [NamedService(name: "node", service: NodeService(agent: agent))]
        if let dns { services.append(NamedService(name: "dns", service: dns)) }
        services.append(NamedService(name: "lb", service: lb))
        if let overlay { services.append(NamedService(name: "overlay", service: overlay)) }
        services.append(NamedService(name: "tasks", service: tasks))
        services.append(NamedService(name: "api", service: api))
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        Self.crashIfAskedByATest()
        try await group.run()
        logger.info("agent stopped")
    }
}
