import Foundation
import LashupCluster
import LashupCRDT
import LashupGossip
import LashupMembership
import LashupNode
import LashupStorage
import LashupStore
import Logging
import NIOCore
import NIOPosix

/// One running node: its data directory, TLS identity, transport and driver. `start` opens
/// everything (failing with one clear error: a corrupt data directory, an unreadable
/// certificate, a port in use); `stop` leaves the cluster gracefully and closes everything.
public final class Agent: Sendable {
    public let configuration: AgentConfiguration
    public let driver: NodeDriver
    public let transport: Transport
    public let storage: SQLiteStorage
    /// The gossip address peers reach this node at.
    public let advertisedAddress: String
    public let incarnation: UInt64
    /// The cluster id derived from the CA (DNS names `*.<zone>.<cluster-id>.dcos.directory`).
    public let clusterID: String?
    let lock: DataDirectoryLock
    let runTask: Task<Void, Never>
    let expiryTask: Task<Void, Never>
    let reloadTask: Task<Void, Never>

    init(configuration: AgentConfiguration, driver: NodeDriver, transport: Transport, storage: SQLiteStorage, advertisedAddress: String, incarnation: UInt64, clusterID: String?, lock: DataDirectoryLock, runTask: Task<Void, Never>, expiryTask: Task<Void, Never>,
         reloadTask: Task<Void, Never>) {
        self.expiryTask = expiryTask
        self.reloadTask = reloadTask
        self.clusterID = clusterID
        self.configuration = configuration
        self.driver = driver
        self.transport = transport
        self.storage = storage
        self.advertisedAddress = advertisedAddress
        self.incarnation = incarnation
        self.lock = lock
        self.runTask = runTask
    }

    /// - Parameter maximumPendingSteps: the driver's bound on steps waiting for the disk
    ///   (tests lower it to see updates refused).
    public static func start(_ configuration: AgentConfiguration, home: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger,
                             maximumPendingSteps: Int = NodeDriver.defaultMaximumPendingSteps) async throws(RuntimeError) -> Agent {
        let tls = try loadTLS(configuration, home: home)
        let lock = try DataDirectoryLock(directory: configuration.dataDirectory)
        let storage: SQLiteStorage, restored: DurableWrite, incarnation: UInt64
        do {
            storage = try SQLiteStorage(directory: configuration.dataDirectory)
            restored = try storage.restore()
            // Above every earlier incarnation, even one a wiped disk forgot (wall-clock floor).
            incarnation = try storage.nextIncarnation(atLeast: UInt64(max(0, Date().timeIntervalSince1970)))
        } catch {
            throw RuntimeError(error.description)
        }
        let inbox = NodeInbox()
        let transport = Transport(group: group, tls: tls, logger: logger) { inbox.enqueue($0) }
        let bound = try await transport.listen(host: configuration.bindHost, port: configuration.bindPort)
        let advertised = configuration.advertise ?? HostPort.format(host: configuration.bindHost, port: bound.port ?? configuration.bindPort)
        let me = Peer(id: NodeID(configuration.name), address: advertised)
        transport.identify(as: Hello(cluster: configuration.cluster, node: me.id, incarnation: incarnation, address: advertised,
                                     protocolVersion: Self.spokenProtocolVersion(logger: logger)))
        // Contacts are known by address only: each is dialled under a placeholder name, and
        // the transport files the connection under the name the contact's hello gives.
        let contacts = configuration.join.filter { $0 != advertised }.map { Peer(id: NodeID("join:\($0)"), address: $0) }
        var seed = SystemRandomNumberGenerator()
        let node = LashupNode(
            me: me, incarnation: incarnation, replica: ReplicaID("\(me.id.name)~\(incarnation)"),
            contacts: contacts, restored: restored, seed: seed.next()
        )
        let driver = NodeDriver(
            node: node, transport: transport, storage: storage,
            clock: RuntimeClock(), eventLoop: group.next(), logger: logger, inbox: inbox,
            maximumPendingSteps: maximumPendingSteps
        )
        let runTask = Task { await driver.run() }
        // At start, then daily: an agent runs for months, and certificates expire under it.
        let expiryTask = Task {
            while !Task.isCancelled {
                if let warning = tls.expiryWarning() { logger.warning("\(warning)") }
                try? await Task.sleep(for: .seconds(86_400))
            }
        }
        // Renewed certificates are picked up without a restart (SIGHUP, or the files changing).
        let files = [configuration.tlsCA, configuration.tlsCertificate, configuration.tlsKey].compactMap { $0 }
        let reloader = CertificateReloader(files: files, transport: transport, logger: logger) { () throws(RuntimeError) in
            try loadTLS(configuration, home: home)
        }
        let reloadTask = Task { await reloader.run() }
        // This node's metadata record: what /v1/nodes and the thisnode zone answer from.
        let metadata = NodeMetadata(
            privateIP: HostPort.parse(advertised).map(\.host) ?? "", publicIPs: configuration.publicIPs,
            hostName: ProcessInfo.processInfo.hostName
        )
        do {
            try await AgentCluster(driver: driver).publishMetadata(metadata)
        } catch {
            logger.warning("could not publish this node's metadata: \(error)")
        }
        logger.info("agent started", metadata: [
            "name": "\(me.id)", "gossip": "\(advertised)", "incarnation": "\(incarnation)",
            "keys": "\(restored.keys.count)", "data_dir": "\(configuration.dataDirectory)",
        ])
        return Agent(configuration: configuration, driver: driver, transport: transport, storage: storage, advertisedAddress: advertised, incarnation: incarnation, clusterID: tls.clusterID, lock: lock, runTask: runTask, expiryTask: expiryTask, reloadTask: reloadTask)
    }

    /// Announces the leave, lets it go out, stops the node, closes every connection and the
    /// database, and releases the data directory.
    public func stop() async {
        expiryTask.cancel()
        reloadTask.cancel()
        await driver.leave()
        await runTask.value
        await transport.shutdown()
        await driver.waitUntilIdle()
        storage.close()
        lock.release()
    }

    /// This node as the `Cluster` its services are built from.
    public var cluster: AgentCluster { AgentCluster(driver: driver, clusterID: clusterID) }

    static func loadTLS(_ configuration: AgentConfiguration, home: String) throws(RuntimeError) -> ClusterTLS {
        if let ca = configuration.tlsCA, let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            return try ClusterTLS(caFile: ca, certificateFile: certificate, keyFile: key)
        }
        let files = try DevelopmentCA.ensure(node: configuration.name, home: home)
        return try ClusterTLS(caFile: files.ca, certificateFile: files.certificate, keyFile: files.key)
    }
}

extension Agent {
    /// The protocol version this agent's hello announces. Debug builds honour
    /// `LASHUP_TEST_PROTOCOL_VERSION`, so a test can run a node of an adjacent (or too old)
    /// version beside the current one; release builds always speak `Hello.protocolVersion`.
    static func spokenProtocolVersion(logger: Logger) -> UInt16 {
        #if DEBUG
        if let text = ProcessInfo.processInfo.environment["LASHUP_TEST_PROTOCOL_VERSION"], let version = UInt16(text) {
            logger.warning("speaking protocol version \(version) instead of \(Hello.protocolVersion) (LASHUP_TEST_PROTOCOL_VERSION, a test build)")
            return version
        }
        #endif
        return Hello.protocolVersion
    }
}
