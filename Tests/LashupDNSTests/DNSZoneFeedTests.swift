import LashupCluster
import LashupClusterTesting
import LashupDNS
import LashupDNSServer
import LashupStore
import Logging
import Testing

/// The DNS zone feed on an in-memory cluster of real nodes: each node runs its own DNS
/// service fed from its own node, as every agent does.
@Suite("DNS zones fed from the cluster")
struct DNSZoneFeedTests {
    static let zone = "marathon.thisdcos.directory"

    /// One DNS service per node, each following its node's feed until `stop`.
    struct FedCluster {
        let cluster: InMemoryCluster
        let services: [DNSService]
        let tasks: [Task<Void, Never>]

        static func start(_ cluster: InMemoryCluster) async throws -> FedCluster {
            var services: [DNSService] = [], tasks: [Task<Void, Never>] = []
            for index in 0..<cluster.count {
                let service = DNSService(
                    resolver: Resolver(router: QueryRouter(upstreams: [], forwardZones: [], clusterID: nil), order: .none),
                    localZones: [], logger: Logger(label: "dns-feed-test")
                )
                let feed = DNSZoneFeed(cluster: cluster.node(index), service: service, logger: Logger(label: "dns-feed-test"))
                let loaded = try await feed.load()
                services.append(service)
                tasks.append(Task { await feed.follow(loaded) })
            }
            return FedCluster(cluster: cluster, services: services, tasks: tasks)
        }

        /// The records node `index` serves in `zone`, as text, sorted.
        func served(_ index: Int, zone: String = DNSZoneFeedTests.zone) -> [String] {
            guard let apex = try? DomainName(zone), let served = services[index].zones.zone(for: apex), served.apex == apex else { return [] }
            return served.allRecords.map(\.description).sorted()
        }

        /// Lets the network run for `duration`, then waits (in real time, briefly: the feeds
        /// run in their own tasks) until every node serves `expected`; returns what each serves.
        func settle(_ duration: Duration = .seconds(3), expecting expected: [String]) async -> [[String]] {
            await settle(duration, expectingPerNode: Array(repeating: expected, count: services.count))
        }

        func settle(_ duration: Duration, expectingPerNode expected: [[String]]) async -> [[String]] {
            await cluster.advance(by: duration)
            for _ in 0..<2_000 {
                let now = (0..<services.count).map { served($0) }
                if now == expected { return now }
                await Task.yield()
                try? await Task.sleep(for: .milliseconds(1))
            }
            return (0..<services.count).map { served($0) }
        }

        func stop() async {
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
        }
    }

    static func add(_ line: String, on node: InMemoryNode) async throws {
        _ = try await node.update(try DNSZoneKeys.key(zone: zone), DNSZoneKeys.operations(adding: line))
    }

    static func line(_ name: String, _ address: String) -> String {
        (try! ZoneRecord(line: "\(name).\(zone) A \(address)")).description
    }

    @Test("a record added on one of 3 nodes is in every node's zone")
    func addedRecordReachesEveryone() async throws {
        let cluster = InMemoryCluster(nodes: 3, seed: 1)
        await cluster.advance(by: .seconds(5))
        let fed = try await FedCluster.start(cluster)
        try await Self.add(Self.line("web", "10.0.0.1"), on: cluster.node(1))
        let served = await fed.settle(expecting: [Self.line("web", "10.0.0.1")])
        #expect(served == Array(repeating: [Self.line("web", "10.0.0.1")], count: 3))
        await fed.stop()
    }

    @Test("records added on both sides of a partition are everywhere after the heal")
    func concurrentAddsAcrossPartitionMerge() async throws {
        let cluster = InMemoryCluster(nodes: 3, seed: 2)
        await cluster.advance(by: .seconds(5))
        let fed = try await FedCluster.start(cluster)
        await cluster.partition([0], [1, 2])
        try await Self.add(Self.line("a", "10.0.0.1"), on: cluster.node(0))
        try await Self.add(Self.line("b", "10.0.0.2"), on: cluster.node(2))
        let sides = [[Self.line("a", "10.0.0.1")], [Self.line("b", "10.0.0.2")], [Self.line("b", "10.0.0.2")]]
        let during = await fed.settle(.seconds(3), expectingPerNode: sides)
        #expect(during == sides, "each side serves only its own record while cut off")
        await cluster.heal()
        let both = [Self.line("a", "10.0.0.1"), Self.line("b", "10.0.0.2")].sorted()
        let after = await fed.settle(.seconds(30), expecting: both)
        #expect(after == Array(repeating: both, count: 3))
        await fed.stop()
    }

    @Test("a removed record leaves every node's zone")
    func removalReachesEveryone() async throws {
        let cluster = InMemoryCluster(nodes: 3, seed: 3)
        await cluster.advance(by: .seconds(5))
        let fed = try await FedCluster.start(cluster)
        let kept = Self.line("kept", "10.0.0.1"), removed = Self.line("gone", "10.0.0.2")
        try await Self.add(kept, on: cluster.node(0))
        try await Self.add(removed, on: cluster.node(0))
        #expect(await fed.settle(expecting: [kept, removed].sorted()) == Array(repeating: [kept, removed].sorted(), count: 3))
        _ = try await cluster.node(2).update(try DNSZoneKeys.key(zone: Self.zone), DNSZoneKeys.operations(removing: removed))
        #expect(await fed.settle(expecting: [kept]) == Array(repeating: [kept], count: 3))
        await fed.stop()
    }

    @Test("a feed that falls behind is resynchronised and ends equal")
    func slowFeedResynchronises() async throws {
        // Feeds hold at most 4 pending keys; 20 zones change while node 2's service is busy.
        let cluster = InMemoryCluster(nodes: 3, seed: 4, maximumPendingKeys: 4)
        await cluster.advance(by: .seconds(5))
        let fed = try await FedCluster.start(cluster)
        var expected: [String] = []
        for index in 0..<20 {
            let zone = "app\(index).thisdcos.directory"
            let line = (try! ZoneRecord(line: "web.\(zone) A 10.0.1.\(index)")).description
            _ = try await cluster.node(0).update(try DNSZoneKeys.key(zone: zone), DNSZoneKeys.operations(adding: line))
            expected.append(line)
        }
        await cluster.advance(by: .seconds(5))
        let zones = (0..<20).map { "app\($0).thisdcos.directory" }
        var served: [[String]] = []
        for _ in 0..<2_000 {
            served = (0..<3).map { node in zones.flatMap { fed.served(node, zone: $0) }.sorted() }
            if served.allSatisfy({ $0 == expected.sorted() }) { break }
            try? await Task.sleep(for: .milliseconds(1))
        }
        #expect(served == Array(repeating: expected.sorted(), count: 3))
        let overflows = await cluster.feedOverflows()
        #expect(overflows.reduce(0, +) > 0, "some feed must have fallen behind for this test to mean anything")
        await fed.stop()
    }
}
