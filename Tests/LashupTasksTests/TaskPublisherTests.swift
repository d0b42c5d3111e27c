import LashupCRDT
import LashupClusterTesting
import LashupDNSServer
import LashupLB
@testable import LashupTasks
import LashupTestSupport
import Logging
import Testing

/// The publisher on real nodes of an in-memory cluster: what reaches the store, shared
/// records across hosts, withdrawal, and a restart that finds leftovers.
@Suite("Task publisher on an in-memory cluster", .onDedicatedThread)
struct TaskPublisherTests {
    static let zoneKey = try! DNSZoneKeys.key(zone: TaskDNSRecords.zone)

    static func publisher(_ cluster: InMemoryCluster, _ index: Int) -> TaskPublisher {
        let node = cluster.node(index)
        let balancer = LoadBalancer(cluster: node, localName: "node-\(index)", dataplane: nil, logger: Logger(label: "test"), publishDNS: { _ in })
        return TaskPublisher(cluster: node, balancer: balancer, localName: "node-\(index)", logger: Logger(label: "test"))
    }

    static func pod(_ id: String, agent: String, address: String, vip: Bool = true) -> TaskRecord {
        TaskRecord(key: TaskKey(source: .mesos, group: "fw", id: id), name: "app", framework: "marathon", agentIP: IPAddress(agent),
                   addresses: [IPAddress(address)!], ports: [TaskPort(name: "http", containerPort: 8080, vips: vip ? ["/app:80"] : [])])
    }

    static func zone(_ cluster: InMemoryCluster, on index: Int) async -> Set<String> {
        Set(DNSZoneKeys.records(await cluster.node(index).value(zoneKey)))
    }

    static func backends(_ cluster: InMemoryCluster, on index: Int) async throws -> [String] {
        let key = try VIPStoreKeys.key(VIPKey(.tcp, .name("app.marathon"), port: 80))
        return VIPStoreKeys.backends(await cluster.node(index).value(key)?.store).map { "\($0.agent) \($0.address):\($0.port) \($0.weight)" }
    }

    @Test("two hosts publish tasks sharing a name: the shared record stays while either runs; backends and tasks follow")
    func sharedRecords() async throws {
        let cluster = InMemoryCluster(nodes: 3, seed: 7)
        await cluster.advance(by: .seconds(3))
        let first = Self.publisher(cluster, 0), second = Self.publisher(cluster, 1)
        await first.replace(.mesos, with: [Self.pod("a", agent: "10.0.0.1", address: "9.0.1.2")])
        await second.replace(.mesos, with: [Self.pod("b", agent: "10.0.0.2", address: "9.0.2.2"), Self.pod("c", agent: "10.0.0.2", address: "9.0.2.3")])
        #expect(await first.push(readBack: false))
        #expect(await second.push(readBack: false))
        await cluster.advance(by: .seconds(2))
        let zone = await Self.zone(cluster, on: 2)
        for line in ["app.marathon.agentip.dcos.thisdcos.directory A 10.0.0.1", "app.marathon.agentip.dcos.thisdcos.directory A 10.0.0.2",
                     "app.marathon.containerip.dcos.thisdcos.directory A 9.0.1.2", "app.marathon.containerip.dcos.thisdcos.directory A 9.0.2.3"] {
            #expect(zone.contains(line), "\(line) missing from \(zone.sorted())")
        }
        #expect(try await Self.backends(cluster, on: 2) == ["node-0 9.0.1.2:8080 1", "node-1 9.0.2.2:8080 1", "node-1 9.0.2.3:8080 1"])
        let listed = TaskStoreKeys.tasks(await cluster.node(2).value(try TaskStoreKeys.key(node: "node-1"))?.store)
        #expect(listed.map(\.key.id) == ["b", "c"])

        // Task b ends: c still makes node-1's agentip record, so it stays; b's address goes.
        await second.remove(TaskKey(source: .mesos, group: "fw", id: "b"))
        #expect(await second.push(readBack: false))
        await cluster.advance(by: .seconds(2))
        var after = await Self.zone(cluster, on: 2)
        #expect(after.contains("app.marathon.agentip.dcos.thisdcos.directory A 10.0.0.2"))
        #expect(!after.contains("app.marathon.containerip.dcos.thisdcos.directory A 9.0.2.2"))
        #expect(try await Self.backends(cluster, on: 2) == ["node-0 9.0.1.2:8080 1", "node-1 9.0.2.3:8080 1"])

        // Both hosts publish the very same line: node-0 withdrawing its own keeps node-1's.
        await first.replace(.mesos, with: [Self.pod("a", agent: "10.0.0.2", address: "9.0.2.3")])
        #expect(await first.push(readBack: false))
        await cluster.advance(by: .seconds(2))
        await first.replace(.mesos, with: [])
        #expect(await first.push(readBack: false))
        await cluster.advance(by: .seconds(2))
        after = await Self.zone(cluster, on: 2)
        #expect(after.contains("app.marathon.containerip.dcos.thisdcos.directory A 9.0.2.3"), "node-1's copy of the shared record was removed")
        #expect(try await Self.backends(cluster, on: 2) == ["node-1 9.0.2.3:8080 1"])
    }

    @Test("killing drains (weight 0, no names); a restarted agent that no longer runs a task withdraws what it published before")
    func drainAndRestart() async throws {
        let cluster = InMemoryCluster(nodes: 2, seed: 3)
        await cluster.advance(by: .seconds(3))
        let publisher = Self.publisher(cluster, 0)
        var task = Self.pod("a", agent: "10.0.0.1", address: "9.0.1.2")
        await publisher.set(task)
        #expect(await publisher.push(readBack: false))
        task.state = .killing
        await publisher.set(task)
        #expect(await publisher.push(readBack: false))
        await cluster.advance(by: .seconds(2))
        #expect(try await Self.backends(cluster, on: 1) == ["node-0 9.0.1.2:8080 0"])
        #expect(await Self.zone(cluster, on: 1).isEmpty)

        // A new publisher (the agent restarted) that is told of no task finds the old one in
        // the store and withdraws its backend.
        let restarted = Self.publisher(cluster, 0)
        await restarted.replace(.mesos, with: [])
        #expect(await restarted.push(readBack: false))
        await cluster.advance(by: .seconds(2))
        #expect(try await Self.backends(cluster, on: 1).isEmpty)
        #expect(TaskStoreKeys.tasks(await cluster.node(1).value(try TaskStoreKeys.key(node: "node-0"))?.store).isEmpty)
    }

    @Test("sources replace only their own tasks, and past the bound tasks are counted, not published")
    func sourcesAndBounds() async {
        let cluster = InMemoryCluster(nodes: 1, seed: 5)
        let publisher = Self.publisher(cluster, 0)
        let registered = TaskRecord(key: TaskKey(source: .registered, group: "services", id: "db"), name: "db", framework: "services",
                                    agentIP: IPAddress("10.0.0.1"), addresses: [IPAddress("10.0.0.1")!])
        await publisher.set(registered)
        await publisher.replace(.mesos, with: [Self.pod("a", agent: "10.0.0.1", address: "9.0.1.2")])
        await publisher.replace(.runtime, with: [])
        #expect(await publisher.current().map(\.key.id) == ["a", "db"])
        let many = (0..<(TaskPublisher.maximumTasksPerSource + 5)).map { Self.pod("t\($0)", agent: "10.0.0.1", address: "9.0.1.2", vip: false) }
        await publisher.replace(.mesos, with: many)
        #expect(await publisher.current(.mesos).count == TaskPublisher.maximumTasksPerSource)
        #expect(await publisher.current(.registered).count == 1)
    }

    @Test("a task drained from the start publishes no backend; a drained backend the load balancer withdrew is not added back on repair")
    func drainedStaysWithdrawn() async throws {
        let cluster = InMemoryCluster(nodes: 2, seed: 11)
        await cluster.advance(by: .seconds(3))
        let node = cluster.node(0)
        let balancer = LoadBalancer(cluster: node, localName: "node-0", dataplane: nil, logger: Logger(label: "test"), publishDNS: { _ in })
        let publisher = TaskPublisher(cluster: node, balancer: balancer, localName: "node-0", logger: Logger(label: "test"))
        var task = Self.pod("a", agent: "10.0.0.1", address: "9.0.1.2")
        task.health = .unhealthy
        await publisher.set(task)
        #expect(await publisher.push(readBack: false))
        #expect(try await Self.backends(cluster, on: 0).isEmpty)

        task.health = .healthy
        await publisher.set(task)
        #expect(await publisher.push(readBack: false))
        task.health = .unhealthy
        await publisher.set(task)
        #expect(await publisher.push(readBack: false))
        #expect(try await Self.backends(cluster, on: 0) == ["node-0 9.0.1.2:8080 0"])
        // The load balancer withdraws it once drained long enough (here: by hand, as it does).
        #expect(try await balancer.removeBackend(VIPKey(.tcp, .name("app.marathon"), port: 80), address: IPAddress("9.0.1.2")!, port: 8080))
        #expect(await publisher.push(readBack: true))
        #expect(try await Self.backends(cluster, on: 0).isEmpty)
        task.health = .healthy
        await publisher.set(task)
        #expect(await publisher.push(readBack: false))
        #expect(try await Self.backends(cluster, on: 0) == ["node-0 9.0.1.2:8080 1"], "healthy again, it is published again")
    }
}
