import LashupCRDT
import LashupLB
import LashupTasks
import Testing

@Suite struct MesosTaskTableTests {
    static func replay(_ lines: [String], into table: inout MesosTaskTable) -> [MesosProblem] {
        lines.flatMap { table.apply(json: Array($0.utf8)) }
    }

    static func ip(_ text: String) -> IPAddress {
        guard let address = IPAddress(text) else { preconditionFailure("test address \(text)") }
        return address
    }

    static func task(_ tasks: [TaskRecord], named name: String) throws -> TaskRecord {
        let matches = tasks.filter { $0.name == name }
        try #require(matches.count == 1, "one task named \(name), found \(matches.count)")
        return matches[0]
    }

    /// The fixture's tasks by the spec's rules (§5): name, framework, agent IP, task IPs (none
    /// on the host network), ports merged from mappings and discovery ports.
    @Test(.enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
    func fixtureReplayYieldsEveryTaskByTheRules() throws {
        var table = MesosTaskTable()
        let problems = Self.replay(try MesosFixture.lines(), into: &table)
        #expect(problems.isEmpty, "\(problems)")
        let tasks = table.tasks
        #expect(tasks.count == 12)
        for task in tasks {
            #expect(task.framework == "marathon")
            #expect(task.key.source == .mesos)
            #expect(task.key.group == MesosEvents.marathon)
            #expect(task.state == .running)
            #expect(task.health == .unknown)
        }
        let agent4 = Self.ip("172.17.0.4"), agent3 = Self.ip("172.17.0.3")

        let bridge = try Self.task(tasks, named: "docker-on-bridge")
        #expect(bridge.key.id == "docker-on-bridge.0ef76549-2630-11e8-af52-70b3d5800001")
        #expect(bridge.agentIP == agent4)
        // The newest status's address, not the STARTING one (172.17.0.4).
        #expect(bridge.addresses == [Self.ip("172.18.0.2")])
        #expect(bridge.ports == [TaskPort(name: "http", transport: .tcp, containerPort: 8080, hostPort: 20560)])

        let dcos = try Self.task(tasks, named: "docker-on-dcos")
        #expect(dcos.agentIP == agent4)
        #expect(dcos.addresses == [Self.ip("9.0.2.130")])
        #expect(dcos.ports == [TaskPort(name: "http", transport: .tcp, containerPort: 8080)])

        let dockerHost = try Self.task(tasks, named: "docker-on-host")
        #expect(dockerHost.agentIP == agent4)
        #expect(dockerHost.addresses.isEmpty)
        #expect(dockerHost.ports == [TaskPort(name: "http", transport: .tcp, hostPort: 31168)])

        let noneDcos = try Self.task(tasks, named: "none-on-dcos")
        #expect(noneDcos.agentIP == agent4)
        #expect(noneDcos.addresses == [Self.ip("9.0.2.5")])
        #expect(noneDcos.ports.isEmpty, "port 0 is no port")

        let noneHost = try Self.task(tasks, named: "none-on-host")
        #expect(noneHost.agentIP == agent4)
        #expect(noneHost.addresses.isEmpty)
        #expect(noneHost.ports == [TaskPort(name: "http", transport: .tcp, hostPort: 13977)])

        let ucrDcos = try Self.task(tasks, named: "ucr-on-dcos")
        #expect(ucrDcos.agentIP == agent3)
        #expect(ucrDcos.addresses == [Self.ip("9.0.1.6")])
        #expect(ucrDcos.ports.isEmpty)

        let ucrBridge = try Self.task(tasks, named: "ucr-on-bridge")
        #expect(ucrBridge.agentIP == agent3)
        #expect(ucrBridge.addresses == [Self.ip("172.31.254.3")])
        #expect(ucrBridge.ports == [TaskPort(name: "http", transport: .tcp, containerPort: 8080, hostPort: 15263)])

        let ucrHost = try Self.task(tasks, named: "ucr-on-host")
        #expect(ucrHost.agentIP == agent3)
        #expect(ucrHost.addresses.isEmpty)
        #expect(ucrHost.ports == [TaskPort(name: "http", transport: .tcp, hostPort: 10323)])

        let ipv6 = try Self.task(tasks, named: "docker-on-ipv6")
        #expect(ipv6.agentIP == agent4)
        #expect(ipv6.addresses == [Self.ip("172.19.0.2"), Self.ip("fd01:b::2:8000:0:2")])
        #expect(ipv6.ports == [TaskPort(name: "http", transport: .tcp, containerPort: 8080)])

        // The pod tasks are all called `app`; their discovery names tell them apart (§5).
        let podHost = try Self.task(tasks, named: "pod-on-host")
        #expect(podHost.key.id == "pod-on-host.instance-ea1231bf-2930-11e8-96bf-70b3d5800001.app")
        #expect(podHost.agentIP == agent4)
        #expect(podHost.addresses.isEmpty)
        #expect(podHost.ports == [TaskPort(name: "http", transport: .tcp, hostPort: 28064)])

        let podDcos = try Self.task(tasks, named: "pod-on-dcos")
        #expect(podDcos.agentIP == agent3)
        #expect(podDcos.addresses == [Self.ip("9.0.1.3")])
        #expect(podDcos.ports == [TaskPort(name: "http", transport: .tcp, containerPort: 8080)])

        let podBridge = try Self.task(tasks, named: "pod-on-bridge")
        #expect(podBridge.agentIP == agent3)
        #expect(podBridge.addresses == [Self.ip("172.31.254.4")])
        #expect(podBridge.ports == [TaskPort(name: "http", transport: .tcp, containerPort: 8080, hostPort: 2254)])
    }

    /// The DNS records those tasks make, by §1's rules: agentip → agent, containerip → task IPs,
    /// autoip → agent with a host port else the task IPs; SRV per named port.
    static let fixtureRecords: [String] = [
        // docker-on-bridge
        "docker-on-bridge.marathon.agentip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.docker-on-bridge.marathon.agentip.dcos.thisdcos.directory SRV 0 1 20560 docker-on-bridge.marathon.agentip.dcos.thisdcos.directory",
        "docker-on-bridge.marathon.containerip.dcos.thisdcos.directory A 172.18.0.2",
        "_http._tcp.docker-on-bridge.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 docker-on-bridge.marathon.containerip.dcos.thisdcos.directory",
        "docker-on-bridge.marathon.autoip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.docker-on-bridge.marathon.autoip.dcos.thisdcos.directory SRV 0 1 20560 docker-on-bridge.marathon.autoip.dcos.thisdcos.directory",
        // docker-on-dcos
        "docker-on-dcos.marathon.agentip.dcos.thisdcos.directory A 172.17.0.4",
        "docker-on-dcos.marathon.containerip.dcos.thisdcos.directory A 9.0.2.130",
        "_http._tcp.docker-on-dcos.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 docker-on-dcos.marathon.containerip.dcos.thisdcos.directory",
        "docker-on-dcos.marathon.autoip.dcos.thisdcos.directory A 9.0.2.130",
        "_http._tcp.docker-on-dcos.marathon.autoip.dcos.thisdcos.directory SRV 0 1 8080 docker-on-dcos.marathon.autoip.dcos.thisdcos.directory",
        // docker-on-host
        "docker-on-host.marathon.agentip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.docker-on-host.marathon.agentip.dcos.thisdcos.directory SRV 0 1 31168 docker-on-host.marathon.agentip.dcos.thisdcos.directory",
        "docker-on-host.marathon.autoip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.docker-on-host.marathon.autoip.dcos.thisdcos.directory SRV 0 1 31168 docker-on-host.marathon.autoip.dcos.thisdcos.directory",
        // none-on-dcos
        "none-on-dcos.marathon.agentip.dcos.thisdcos.directory A 172.17.0.4",
        "none-on-dcos.marathon.containerip.dcos.thisdcos.directory A 9.0.2.5",
        "none-on-dcos.marathon.autoip.dcos.thisdcos.directory A 9.0.2.5",
        // none-on-host
        "none-on-host.marathon.agentip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.none-on-host.marathon.agentip.dcos.thisdcos.directory SRV 0 1 13977 none-on-host.marathon.agentip.dcos.thisdcos.directory",
        "none-on-host.marathon.autoip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.none-on-host.marathon.autoip.dcos.thisdcos.directory SRV 0 1 13977 none-on-host.marathon.autoip.dcos.thisdcos.directory",
        // ucr-on-dcos
        "ucr-on-dcos.marathon.agentip.dcos.thisdcos.directory A 172.17.0.3",
        "ucr-on-dcos.marathon.containerip.dcos.thisdcos.directory A 9.0.1.6",
        "ucr-on-dcos.marathon.autoip.dcos.thisdcos.directory A 9.0.1.6",
        // ucr-on-bridge
        "ucr-on-bridge.marathon.agentip.dcos.thisdcos.directory A 172.17.0.3",
        "_http._tcp.ucr-on-bridge.marathon.agentip.dcos.thisdcos.directory SRV 0 1 15263 ucr-on-bridge.marathon.agentip.dcos.thisdcos.directory",
        "ucr-on-bridge.marathon.containerip.dcos.thisdcos.directory A 172.31.254.3",
        "_http._tcp.ucr-on-bridge.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 ucr-on-bridge.marathon.containerip.dcos.thisdcos.directory",
        "ucr-on-bridge.marathon.autoip.dcos.thisdcos.directory A 172.17.0.3",
        "_http._tcp.ucr-on-bridge.marathon.autoip.dcos.thisdcos.directory SRV 0 1 15263 ucr-on-bridge.marathon.autoip.dcos.thisdcos.directory",
        // ucr-on-host
        "ucr-on-host.marathon.agentip.dcos.thisdcos.directory A 172.17.0.3",
        "_http._tcp.ucr-on-host.marathon.agentip.dcos.thisdcos.directory SRV 0 1 10323 ucr-on-host.marathon.agentip.dcos.thisdcos.directory",
        "ucr-on-host.marathon.autoip.dcos.thisdcos.directory A 172.17.0.3",
        "_http._tcp.ucr-on-host.marathon.autoip.dcos.thisdcos.directory SRV 0 1 10323 ucr-on-host.marathon.autoip.dcos.thisdcos.directory",
        // docker-on-ipv6
        "docker-on-ipv6.marathon.agentip.dcos.thisdcos.directory A 172.17.0.4",
        "docker-on-ipv6.marathon.containerip.dcos.thisdcos.directory A 172.19.0.2",
        "docker-on-ipv6.marathon.containerip.dcos.thisdcos.directory AAAA fd01:b::2:8000:0:2",
        "_http._tcp.docker-on-ipv6.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 docker-on-ipv6.marathon.containerip.dcos.thisdcos.directory",
        "docker-on-ipv6.marathon.autoip.dcos.thisdcos.directory A 172.19.0.2",
        "docker-on-ipv6.marathon.autoip.dcos.thisdcos.directory AAAA fd01:b::2:8000:0:2",
        "_http._tcp.docker-on-ipv6.marathon.autoip.dcos.thisdcos.directory SRV 0 1 8080 docker-on-ipv6.marathon.autoip.dcos.thisdcos.directory",
        // pod-on-host
        "pod-on-host.marathon.agentip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.pod-on-host.marathon.agentip.dcos.thisdcos.directory SRV 0 1 28064 pod-on-host.marathon.agentip.dcos.thisdcos.directory",
        "pod-on-host.marathon.autoip.dcos.thisdcos.directory A 172.17.0.4",
        "_http._tcp.pod-on-host.marathon.autoip.dcos.thisdcos.directory SRV 0 1 28064 pod-on-host.marathon.autoip.dcos.thisdcos.directory",
        // pod-on-dcos
        "pod-on-dcos.marathon.agentip.dcos.thisdcos.directory A 172.17.0.3",
        "pod-on-dcos.marathon.containerip.dcos.thisdcos.directory A 9.0.1.3",
        "_http._tcp.pod-on-dcos.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 pod-on-dcos.marathon.containerip.dcos.thisdcos.directory",
        "pod-on-dcos.marathon.autoip.dcos.thisdcos.directory A 9.0.1.3",
        "_http._tcp.pod-on-dcos.marathon.autoip.dcos.thisdcos.directory SRV 0 1 8080 pod-on-dcos.marathon.autoip.dcos.thisdcos.directory",
        // pod-on-bridge
        "pod-on-bridge.marathon.agentip.dcos.thisdcos.directory A 172.17.0.3",
        "_http._tcp.pod-on-bridge.marathon.agentip.dcos.thisdcos.directory SRV 0 1 2254 pod-on-bridge.marathon.agentip.dcos.thisdcos.directory",
        "pod-on-bridge.marathon.containerip.dcos.thisdcos.directory A 172.31.254.4",
        "_http._tcp.pod-on-bridge.marathon.containerip.dcos.thisdcos.directory SRV 0 1 8080 pod-on-bridge.marathon.containerip.dcos.thisdcos.directory",
        "pod-on-bridge.marathon.autoip.dcos.thisdcos.directory A 172.17.0.3",
        "_http._tcp.pod-on-bridge.marathon.autoip.dcos.thisdcos.directory SRV 0 1 2254 pod-on-bridge.marathon.autoip.dcos.thisdcos.directory",
    ]

    @Test(.enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
    func fixtureDNSRecordsAreExactlyTheSpecsOnes() throws {
        var table = MesosTaskTable()
        _ = Self.replay(try MesosFixture.lines(), into: &table)
        let lines = TaskDNSRecords.lines(for: table.tasks)
        for record in Self.fixtureRecords { #expect(lines.contains(record), "missing \(record)") }
        for record in lines.subtracting(Self.fixtureRecords) { Issue.record("unexpected \(record)") }
        #expect(lines.count == Self.fixtureRecords.count)
    }

    /// The same state polled (`GET_STATE`, statuses listed per task) gives the same tasks.
    @Test(.enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
    func getStateGivesWhatTheEventsGave() throws {
        let lines = try MesosFixture.lines()
        var replayed = MesosTaskTable()
        _ = Self.replay(lines, into: &replayed)
        var polled = MesosTaskTable()
        let problems = polled.apply(json: Array(try MesosFixture.getState(from: lines).utf8))
        #expect(problems.isEmpty, "\(problems)")
        #expect(polled.snapshots == 1)
        #expect(polled.tasks.count == 12)
        #expect(polled.tasks == replayed.tasks)
    }

    /// Staging and starting tasks are kept but not published until they run.
    @Test(.enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
    func tasksAppearOnlyOnceRunning() throws {
        let lines = try MesosFixture.lines()
        var table = MesosTaskTable()
        _ = Self.replay(Array(lines[0..<6]), into: &table)
        #expect(table.taskCount == 2)
        #expect(table.tasks.isEmpty, "both tasks are still starting")
        _ = Self.replay([lines[6]], into: &table)
        #expect(table.tasks.map(\.name) == ["docker-on-bridge"])
    }

    /// Tasks of a framework not known yet carry its id until its name arrives.
    @Test(.enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
    func aFrameworkNameArrivingLaterRenamesItsTasks() throws {
        let lines = try MesosFixture.lines()
        var table = MesosTaskTable()
        _ = Self.replay([lines[0], lines[2], lines[6]], into: &table)
        #expect(table.tasks.map(\.framework) == [MesosEvents.marathon])
        _ = Self.replay([lines[1]], into: &table)
        #expect(table.tasks.map(\.framework) == ["marathon"])
    }

    /// A new snapshot replaces everything: tasks missing from it are gone.
    @Test(.enabled(if: MesosFixture.available, "the Mesos fixture not found: set LASHUP_FIXTURES"))
    func aNewSnapshotReplacesTheTable() throws {
        var table = MesosTaskTable()
        _ = Self.replay(try MesosFixture.lines(), into: &table)
        #expect(table.tasks.count == 12)
        _ = table.apply(json: Array(MesosEvents.subscribed(heartbeat: 0.5).utf8))
        #expect(table.tasks.isEmpty)
        #expect(table.taskCount == 0)
        #expect(table.heartbeatInterval == .milliseconds(500))
    }

    static func runningWebTask(labels: [(String, String)] = [], ports: [[String: Any]], healthCheck: Bool = false) -> MesosTaskTable {
        var table = MesosTaskTable()
        _ = table.apply(json: Array(MesosEvents.subscribed().utf8))
        _ = table.apply(json: Array(MesosEvents.taskAdded(id: "web.1", name: "web", labels: labels, ports: ports,
                                                          container: ["type": "MESOS", "network_infos": [["name": "dcos"]]], healthCheck: healthCheck).utf8))
        return table
    }

    /// VIPs from a discovery-port label and from `VIP_PORT<n>`, then killing (drained, out of
    /// DNS) and finished (gone).
    @Test func vipLabelsThenKillingThenFinished() throws {
        var table = Self.runningWebTask(
            labels: [("VIP_PORT1", "udp://10.10.0.1:53")],
            ports: [MesosEvents.port(8080, name: "http", labels: [("network-scope", "container"), ("VIP_0", "/web:80")]),
                    MesosEvents.port(5353, name: "dns", protocol: "udp", labels: [("network-scope", "container")])])
        #expect(table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING", addresses: ["9.0.0.7"], network: "dcos").utf8)).isEmpty)
        let web = try #require(table.tasks.first)
        #expect(web.ports == [TaskPort(name: "http", transport: .tcp, containerPort: 8080, vips: ["/web:80"]),
                              TaskPort(name: "dns", transport: .udp, containerPort: 5353, vips: ["udp://10.10.0.1:53"])])
        let named = VIPKey(.tcp, .name("web.marathon"), port: 80)
        let address = VIPKey(.udp, .address(Self.ip("10.10.0.1")), port: 53)
        let running = TaskBackends.backends(for: web)
        #expect(running.rejected.isEmpty)
        #expect(running.backends == [TaskBackend(vip: named, address: Self.ip("9.0.0.7"), port: 8080, weight: 1),
                                     TaskBackend(vip: address, address: Self.ip("9.0.0.7"), port: 5353, weight: 1)].sorted())
        #expect(TaskDNSRecords.lines(for: web).contains("web.marathon.containerip.dcos.thisdcos.directory A 9.0.0.7"))

        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_KILLING").utf8))
        let killing = try #require(table.tasks.first)
        #expect(killing.state == .killing)
        #expect(killing.addresses == [Self.ip("9.0.0.7")], "a status without container_status keeps the addresses")
        #expect(TaskBackends.backends(for: killing).backends.map(\.weight) == [0, 0])
        #expect(TaskDNSRecords.lines(for: killing).isEmpty)

        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_FINISHED").utf8))
        #expect(table.tasks.isEmpty)
        #expect(table.taskCount == 0, "terminal tasks are forgotten")
        #expect(TaskDNSRecords.lines(for: table.tasks).isEmpty)
        #expect(table.tasks.flatMap { TaskBackends.backends(for: $0).backends }.isEmpty)
        // A later update for it has nothing to update.
        #expect(table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING").utf8)).map(\.cause) == ["unknown_task"])
        #expect(table.tasks.isEmpty)
    }

    /// `VIP_PORT<n>` counts discovery ports, not protocols: a `tcp,udp` port is one port.
    @Test func vipPortIndexesCountDiscoveryPorts() throws {
        var table = Self.runningWebTask(
            labels: [("VIP_PORT0", "udp://10.10.0.2:53"), ("VIP_PORT1", "tcp://10.10.0.3:80")],
            ports: [MesosEvents.port(5353, name: "dns", protocol: "tcp,udp", labels: [("network-scope", "container")]),
                    MesosEvents.port(8080, name: "http", labels: [("network-scope", "container")])])
        #expect(table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING", addresses: ["9.0.0.7"], network: "dcos").utf8)).isEmpty)
        let web = try #require(table.tasks.first)
        #expect(web.ports == [TaskPort(name: "dns", transport: .tcp, containerPort: 5353),
                              TaskPort(name: "dns", transport: .udp, containerPort: 5353, vips: ["udp://10.10.0.2:53"]),
                              TaskPort(name: "http", transport: .tcp, containerPort: 8080, vips: ["tcp://10.10.0.3:80"])])
    }

    @Test func aVIPPortLabelForAMissingPortIsReported() {
        var table = Self.runningWebTask(labels: [("VIP_PORT3", "tcp://10.10.0.1:80")],
                                        ports: [MesosEvents.port(8080, name: "http", labels: [("network-scope", "container")])])
        let problems = table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING", addresses: ["9.0.0.7"], network: "dcos").utf8))
        #expect(problems.map(\.cause) == ["bad_label"])
        #expect(table.tasks.first?.ports.first?.vips == [])
    }

    @Test func healthFollowsTheNewestResult() throws {
        var table = Self.runningWebTask(ports: [], healthCheck: true)
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING", addresses: ["9.0.0.7"], network: "dcos").utf8))
        #expect(table.tasks.first?.health == .unhealthy, "a check with no result yet")
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING", healthy: true).utf8))
        #expect(table.tasks.first?.health == .healthy)
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING", healthy: false).utf8))
        #expect(table.tasks.first?.health == .unhealthy)
        #expect(table.tasks.first?.backendWeight == 0)

        var unchecked = Self.runningWebTask(ports: [])
        _ = unchecked.apply(json: Array(MesosEvents.taskUpdated(id: "web.1", state: "TASK_RUNNING", addresses: ["9.0.0.7"], network: "dcos").utf8))
        #expect(unchecked.tasks.first?.health == .unknown)
    }

    @Test func unknownStatesAndMalformedEventsAreSkippedAndCounted() {
        var table = MesosTaskTable()
        _ = table.apply(json: Array(MesosEvents.subscribed().utf8))
        _ = table.apply(json: Array(MesosEvents.taskAdded(id: "a.1", name: "a").utf8))
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "a.1", state: "TASK_RUNNING").utf8))
        _ = table.apply(json: Array(MesosEvents.taskAdded(id: "b.1", name: "b").utf8))

        #expect(table.apply(json: Array(MesosEvents.taskUpdated(id: "b.1", state: "TASK_SLEEPING").utf8)).map(\.cause) == ["unknown_state"])
        #expect(table.apply(json: Array(#"{"type":"TASK_ADDED","task_added":{"task":{"#.utf8)).map(\.cause) == ["malformed_event"])
        #expect(table.apply(json: Array(#"{"type":"TASK_ADDED"}"#.utf8)).map(\.cause) == ["malformed_event"])
        #expect(table.apply(json: Array(#"{"type":"TASK_ADDED","task_added":{"task":{"name":"c"}}}"#.utf8)).map(\.cause) == ["malformed_event"])
        #expect(table.apply(json: Array(#"{"no_type":1}"#.utf8)).map(\.cause) == ["malformed_event"])
        #expect(table.apply(json: Array(#"[1,2,3]"#.utf8)).map(\.cause) == ["malformed_event"])
        #expect(table.apply(json: [UInt8]([0xFF, 0xFE, 0x00])).map(\.cause) == ["malformed_event"])
        #expect(table.apply(json: Array(#"{"type":"FRAMEWORK_REMOVED","framework_removed":{}}"#.utf8)).map(\.cause) == ["malformed_event"])
        #expect(table.apply(json: Array(#"{"type":"TASK_MOVED","task_moved":{}}"#.utf8)).map(\.cause) == ["unknown_event"])
        #expect(table.apply(json: Array(#"{"type":"HEARTBEAT"}"#.utf8)).isEmpty)

        #expect(table.tasks.map(\.name) == ["a"], "the task in an unknown state is skipped, the others kept")
        // The unknown state was not fatal: a known one later publishes the task.
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "b.1", state: "TASK_RUNNING").utf8))
        #expect(table.tasks.map(\.name) == ["a", "b"])
    }

    /// One task that does not decode inside a snapshot is reported; the rest of it stands.
    @Test func aMalformedTaskInASnapshotLosesOnlyItself() throws {
        let good: [String: Any] = ["name": "good", "task_id": ["value": "good.1"], "framework_id": ["value": MesosEvents.marathon],
                                   "agent_id": ["value": MesosEvents.agent4], "state": "TASK_RUNNING"]
        let bad: [String: Any] = ["task_id": ["value": "bad.1"], "framework_id": ["value": MesosEvents.marathon], "state": "TASK_RUNNING"]
        let badPort: [String: Any] = ["name": "port", "task_id": ["value": "port.1"], "framework_id": ["value": MesosEvents.marathon],
                                      "agent_id": ["value": MesosEvents.agent4], "state": "TASK_RUNNING",
                                      "discovery": ["name": "port", "ports": ["ports": [["number": 70_000, "name": "http"]]]]]
        var table = MesosTaskTable()
        let problems = table.apply(json: Array(MesosEvents.subscribed(tasks: [good, bad, badPort]).utf8))
        #expect(problems.map(\.cause).sorted() == ["bad_port", "malformed_task"])
        #expect(table.tasks.map(\.name) == ["good", "port"])
        let good1 = try #require(table.tasks.first)
        #expect(good1.agentIP == Self.ip("172.17.0.4"))
        #expect(good1.ports.isEmpty)
    }

    @Test func tasksAreBounded() {
        var table = MesosTaskTable(maximumTasks: 3)
        _ = table.apply(json: Array(MesosEvents.subscribed().utf8))
        var causes: [String] = []
        for index in 0..<5 {
            causes += table.apply(json: Array(MesosEvents.taskAdded(id: "t.\(index)", name: "t\(index)").utf8)).map(\.cause)
            causes += table.apply(json: Array(MesosEvents.taskUpdated(id: "t.\(index)", state: "TASK_RUNNING").utf8)).map(\.cause)
        }
        #expect(table.taskCount == 3)
        #expect(table.tasks.map(\.name) == ["t0", "t1", "t2"])
        #expect(causes == ["too_many_tasks", "unknown_task", "too_many_tasks", "unknown_task"])
        // An ended task frees its place.
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "t.0", state: "TASK_KILLED").utf8))
        #expect(table.apply(json: Array(MesosEvents.taskAdded(id: "t.9", name: "t9").utf8)).isEmpty)
        #expect(table.taskCount == 3)
    }

    /// Two instances of one app share its records; one ending leaves the other's.
    @Test func sharedRecordsStayWhileAnyInstanceMakesThem() {
        var table = MesosTaskTable()
        _ = table.apply(json: Array(MesosEvents.subscribed().utf8))
        for (id, agent, address) in [("app.1", MesosEvents.agent4, "9.0.0.1"), ("app.2", MesosEvents.agent3, "9.0.0.2")] {
            _ = table.apply(json: Array(MesosEvents.taskAdded(id: id, name: "app", agent: agent,
                                                              container: ["type": "MESOS", "network_infos": [["name": "dcos"]]]).utf8))
            _ = table.apply(json: Array(MesosEvents.taskUpdated(id: id, state: "TASK_RUNNING", addresses: [address], network: "dcos").utf8))
        }
        let owner = "app.marathon.autoip.dcos.thisdcos.directory"
        #expect(TaskDNSRecords.lines(for: table.tasks).filter { $0.hasPrefix(owner) } == Set(["\(owner) A 9.0.0.1", "\(owner) A 9.0.0.2"]))
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "app.1", state: "TASK_FAILED").utf8))
        #expect(TaskDNSRecords.lines(for: table.tasks).filter { $0.hasPrefix(owner) } == Set(["\(owner) A 9.0.0.2"]))
    }

    @Test func agentsAndFrameworksComeAndGo() {
        var table = MesosTaskTable()
        _ = table.apply(json: Array(MesosEvents.subscribed().utf8))
        let agent: [String: Any] = ["agent_info": ["hostname": "agent-7.example", "id": ["value": "S7"]], "pid": "slave(1)@10.0.0.7:5051"]
        #expect(table.apply(json: Array(MesosEvents.json(["type": "AGENT_ADDED", "agent_added": ["agent": agent]]).utf8)).isEmpty)
        _ = table.apply(json: Array(MesosEvents.taskAdded(id: "x.1", name: "x", agent: "S7").utf8))
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "x.1", state: "TASK_RUNNING").utf8))
        #expect(table.tasks.first?.agentIP == Self.ip("10.0.0.7"), "from the pid when the host name is not an address")
        _ = table.apply(json: Array(MesosEvents.json(["type": "AGENT_REMOVED", "agent_removed": ["agent_id": ["value": "S7"]]]).utf8))
        #expect(table.tasks.isEmpty)

        _ = table.apply(json: Array(MesosEvents.taskAdded(id: "y.1", name: "y").utf8))
        _ = table.apply(json: Array(MesosEvents.taskUpdated(id: "y.1", state: "TASK_RUNNING").utf8))
        #expect(table.tasks.count == 1)
        _ = table.apply(json: Array(MesosEvents.json(["type": "FRAMEWORK_REMOVED", "framework_removed": ["framework_info": ["name": "marathon", "id": ["value": MesosEvents.marathon]]]]).utf8))
        #expect(table.tasks.isEmpty)
    }

    /// A frame may be up to 16 MiB: nesting that deep must be refused, not overflow the stack.
    @Test func deeplyNestedJSONIsRefusedNotFatal() {
        var table = MesosTaskTable()
        let depth = 200_000
        let nested = #"{"type":"HEARTBEAT","x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(table.apply(json: Array(nested.utf8)).map(\.cause) == ["malformed_event"])
    }

    @Test func leaderAndMasterRecords() {
        let lines = MesosMasterRecords.lines(leader: Self.ip("10.0.0.2"), masters: [Self.ip("10.0.0.1"), Self.ip("10.0.0.2"), Self.ip("fd00::3")])
        #expect(lines == ["dcos.thisdcos.directory": [
            "leader.dcos.thisdcos.directory A 10.0.0.2",
            "master.dcos.thisdcos.directory A 10.0.0.1",
            "master.dcos.thisdcos.directory A 10.0.0.2",
            "master.dcos.thisdcos.directory AAAA fd00::3",
        ], "zk": [
            "zk-1.zk A 10.0.0.1", "zk-2.zk A 10.0.0.2", "zk-3.zk AAAA fd00::3", "zk-4.zk A 10.0.0.1", "zk-5.zk A 10.0.0.2",
        ]])
        #expect(MesosMasterRecords.lines(leader: nil, masters: []).isEmpty)
    }

    @Test func endpointsParseAndRedirectsResolve() {
        let base = MesosEndpoint(url: "http://127.0.0.1:5050")
        #expect(base == MesosEndpoint(host: "127.0.0.1", port: 5050, path: "/api/v1"))
        #expect(base?.resolving("//10.0.0.2:5050/api/v1") == MesosEndpoint(host: "10.0.0.2", port: 5050))
        #expect(base?.resolving("http://[fd00::2]:5051/api/v1") == MesosEndpoint(host: "fd00::2", port: 5051))
        #expect(base?.resolving("/elsewhere") == MesosEndpoint(host: "127.0.0.1", port: 5050, path: "/elsewhere"))
        #expect(MesosEndpoint(url: "https://10.0.0.1:5050") == nil)
        #expect(MesosEndpoint(url: "10.0.0.1:99999") == nil)
        #expect(MesosEndpoint(url: "master.mesos")?.port == 5050)
    }
}
