import LashupCRDT
import LashupClusterTesting
import LashupDNS
import LashupLB
import LashupStore
import Logging
import Synchronization

/// An in-memory cluster of real nodes, each running a load balancer without a dataplane (or
/// with a recording one), as every agent does.
struct BalancedCluster {
    let cluster: InMemoryCluster
    let balancers: [LoadBalancer]
    let dataplanes: [RecordingDataplane]
    let tasks: [Task<Void, Never>]

    /// Latency-aware weights are off unless given: most tests' backend addresses are not real
    /// servers, and probing them would send SYNs off this machine.
    static func start(_ cluster: InMemoryCluster, recording: Bool = false, latencyWeights: LatencyWeights.Settings? = nil,
                      probeInterval: Duration = .seconds(1), drainTimeout: Duration = .seconds(300)) async -> BalancedCluster {
        var balancers: [LoadBalancer] = [], dataplanes: [RecordingDataplane] = [], tasks: [Task<Void, Never>] = []
        for index in 0..<cluster.count {
            let dataplane = RecordingDataplane()
            let balancer = LoadBalancer(
                cluster: cluster.node(index), localName: "node-\(index)", dataplane: recording ? dataplane : nil,
                latencyWeights: latencyWeights, probeInterval: probeInterval, drainTimeout: drainTimeout,
                logger: Logger(label: "lb-test"), publishDNS: { records in dataplane.dns.withLock { $0 = records } })
            balancers.append(balancer)
            dataplanes.append(dataplane)
            tasks.append(Task { try? await balancer.run() })
        }
        return BalancedCluster(cluster: cluster, balancers: balancers, dataplanes: dataplanes, tasks: tasks)
    }

    func tables() async -> [VIPTable] {
        var result: [VIPTable] = []
        for balancer in balancers { result.append(await balancer.table) }
        return result
    }

    /// Lets the network run until every node's table is the same and no node owes a claim,
    /// `rounds` times at most; returns whether it got there.
    @discardableResult
    func settle(rounds: Int = 8, among nodes: [Int]? = nil) async -> Bool {
        let nodes = nodes ?? Array(0..<balancers.count)
        for _ in 0..<rounds {
            await cluster.advance(by: .seconds(1))
            for _ in 0..<200 {
                try? await Task.sleep(for: .milliseconds(2))
                if await isSettled(nodes) { return true }
            }
        }
        return await isSettled(nodes)
    }

    /// The table node `index`'s store holds right now, built directly (not through its feed).
    func storeTable(_ index: Int) async -> VIPTable {
        let node = cluster.node(index)
        var table = VIPTable()
        for key in await node.keys(matching: VIPStoreKeys.pattern, limit: 100_000).keys {
            guard let vip = VIPStoreKeys.vip(of: key) else { continue }
            table.apply(vip, value: await node.value(key)?.store)
        }
        table.resolveNames()
        return table
    }

    /// Every node's balancer has caught up with its store, all stores agree, and no node owes
    /// an address claim.
    func isSettled(_ nodes: [Int]) async -> Bool {
        var first: VIPTable?
        for index in nodes {
            let table = await balancers[index].table
            guard await storeTable(index) == table else { return false }
            if let first, first != table { return false }
            first = first ?? table
            let local = await balancers[index].localBackends()
            if local.keys.contains(where: { table.claimToWrite(for: $0) != nil }) { return false }
        }
        return true
    }

    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}

/// A dataplane that keeps what it was told.
final class RecordingDataplane: LBDataplane {
    let programmed = Mutex<[ServiceKey: [Backend]]>([:])
    let passes = Mutex(0)
    let forgotten = Mutex<[String]>([])
    let dns = Mutex<[ZoneRecord]>([])
    /// DNS records published at a moment the dataplane did not yet hold their address.
    let dnsAhead = Mutex<[String]>([])

    func program(_ services: [ServiceKey: [Backend]], verify: Bool) async throws -> DataplaneReport {
        programmed.withLock { $0 = services }
        passes.withLock { $0 += 1 }
        return DataplaneReport(lines: services.count)
    }

    func forgetFlows(of service: ServiceKey, to backend: Backend?) async throws -> Int {
        forgotten.withLock { $0.append("\(service) \(backend.map(\.description) ?? "any")") }
        return 1
    }
}
