import LashupCRDT
import LashupClusterTesting
import LashupDNS
import LashupLB
@testable import LashupTasks
import Testing

/// What one task produces, rule by rule (spec: dcos-net.md §1 task records, §2 VIPs).
@Suite("Task records: DNS names and VIP backends")
struct TaskDerivationTests {
    static let agent = IPAddress("10.0.0.4")!

    static func task(_ name: String = "web", framework: String = "marathon", addresses: [String] = ["9.0.1.5"], ports: [TaskPort] = [],
                     state: TaskState = .running, health: TaskHealth = .unknown, agentIP: IPAddress? = agent) -> TaskRecord {
        TaskRecord(key: TaskKey(source: .mesos, group: "fw-1", id: "\(name).1"), name: name, framework: framework, agentIP: agentIP,
                   addresses: addresses.map { IPAddress($0)! }, ports: ports, state: state, health: health)
    }

    @Test("a container-network task: agentip names the agent, containerip and autoip its addresses, SRV on the container port")
    func containerTask() {
        let lines = TaskDNSRecords.lines(for: Self.task(addresses: ["9.0.1.5", "fd01:b::5"], ports: [TaskPort(name: "http", containerPort: 8080)]))
        #expect(lines == [
            "web.marathon.agentip.dcos.thisdcos.directory A 10.0.0.4",
            "web.marathon.containerip.dcos.thisdcos.directory A 9.0.1.5",
            "web.marathon.containerip.dcos.thisdcos.directory AAAA fd01:b::5",
            "web.marathon.autoip.dcos.thisdcos.directory A 9.0.1.5",
            "web.marathon.autoip.dcos.thisdcos.directory AAAA fd01:b::5",
            "_http._tcp.web.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 web.marathon.containerip.dcos.thisdcos.directory",
            "_http._tcp.web.marathon.autoip.dcos.thisdcos.directory SRV 0 1 8080 web.marathon.autoip.dcos.thisdcos.directory",
        ])
    }

    @Test("a host-port task: autoip names the agent, SRV carries the host port where the agent is named")
    func hostPortTask() {
        let lines = TaskDNSRecords.lines(for: Self.task(addresses: ["172.17.0.2"], ports: [TaskPort(name: "http", containerPort: 8080, hostPort: 20560)]))
        #expect(lines.contains("web.marathon.autoip.dcos.thisdcos.directory A 10.0.0.4"))
        #expect(!lines.contains("web.marathon.autoip.dcos.thisdcos.directory A 172.17.0.2"))
        #expect(lines.contains("_http._tcp.web.marathon.autoip.dcos.thisdcos.directory SRV 0 1 20560 web.marathon.autoip.dcos.thisdcos.directory"))
        #expect(lines.contains("_http._tcp.web.marathon.agentip.dcos.thisdcos.directory SRV 0 1 20560 web.marathon.agentip.dcos.thisdcos.directory"))
        #expect(lines.contains("_http._tcp.web.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 web.marathon.containerip.dcos.thisdcos.directory"))
    }

    @Test("names are sanitised as the original did; a task without addresses is autoip'd to its agent; killing tasks have no names")
    func sanitisingAndStates() {
        let lines = TaskDNSRecords.lines(for: Self.task("--My_App.v2", framework: "Marathon User", addresses: []))
        #expect(lines == [
            "my-app-v2.marathonuser.agentip.dcos.thisdcos.directory A 10.0.0.4",
            "my-app-v2.marathonuser.autoip.dcos.thisdcos.directory A 10.0.0.4",
        ])
        #expect(TaskDNSRecords.lines(for: Self.task(state: .killing)).isEmpty)
        #expect(TaskDNSRecords.lines(for: Self.task("!!!")).isEmpty, "a name with nothing left after sanitising has no records")
    }

    @Test("VIP labels: named and IP VIPs, container port vs host port, family filter, drain weights, bad labels reported")
    func backends() {
        let port = TaskPort(name: "http", containerPort: 8080, vips: ["/web:80", "tcp://10.10.0.1:81", "udp://dns:53", "nonsense"])
        let (backends, rejected) = TaskBackends.backends(for: Self.task(addresses: ["9.0.1.5", "fd01:b::5"], ports: [port]))
        let described = Set(backends.map(\.description))
        #expect(described == [
            "tcp://web.marathon:80 → 9.0.1.5:8080 weight 1",
            "tcp://web.marathon:80 → [fd01:b::5]:8080 weight 1",
            "tcp://10.10.0.1:81 → 9.0.1.5:8080 weight 1",
            "udp://dns.marathon:53 → 9.0.1.5:8080 weight 1",
            "udp://dns.marathon:53 → [fd01:b::5]:8080 weight 1",
        ])
        #expect(rejected.map(\.label) == ["nonsense"])

        let host = TaskPort(name: "http", containerPort: 8080, hostPort: 20560, vips: ["/web:80"])
        #expect(TaskBackends.backends(for: Self.task(addresses: ["172.17.0.2"], ports: [host])).backends.map(\.description)
            == ["tcp://web.marathon:80 → 10.0.0.4:20560 weight 1"])
        for (state, health) in [(TaskState.killing, TaskHealth.healthy), (.running, .unhealthy)] {
            #expect(TaskBackends.backends(for: Self.task(ports: [host], state: state, health: health)).backends.map(\.weight) == [0])
        }
        let unpublished = TaskPort(name: nil, vips: ["/web:80"])
        #expect(TaskBackends.backends(for: Self.task(addresses: [], ports: [unpublished])).backends.map(\.description)
            == ["tcp://web.marathon:80 → 10.0.0.4:80 weight 1"], "a host-network container with no ports serves on the VIP's port")
    }

    @Test("a task survives the store's JSON and comes back equal; a damaged one is skipped")
    func storedForm() async throws {
        let original = Self.task(addresses: ["9.0.1.5", "fd01:b::5"], ports: [TaskPort(name: "http", transport: .udp, containerPort: 53, hostPort: 5353, vips: ["/dns:53"])],
                                 state: .killing, health: .unhealthy)
        let cluster = InMemoryCluster(nodes: 1, seed: 1)
        let key = try TaskStoreKeys.key(node: "node-0")
        let value = try await cluster.node(0).update(key, TaskStoreKeys.operations(setting: original, timestamp: 1))
        #expect(TaskStoreKeys.tasks(value.store) == [original])
        var damaged = StoredTask(original)
        damaged.addresses = ["not an address"]
        #expect(damaged.task == nil)
    }

    @Test("the zk zone a master publishes is a zone the store may hold; other zones outside thisdcos.directory are not")
    func zkZone() {
        #expect(ZoneTable.storeApex(MesosMasterRecords.zkZone) != nil)
        #expect(ZoneTable.storeApex("zz") == nil && ZoneTable.storeApex("example.com") == nil)
        #expect(ZoneTable.storeApex(TaskDNSRecords.zone) != nil)
    }
}
