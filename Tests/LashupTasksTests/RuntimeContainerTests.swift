import Foundation
import LashupCRDT
@testable import LashupTasks
import Testing

/// A container as the Docker Engine API's inspect shows it, turned into a task.
@Suite("Runtime containers")
struct RuntimeContainerTests {
    static func inspect(_ json: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(json.utf8)) }

    static let bridged = #"""
    {"Id":"4f2a9c","Name":"/web-1","State":{"Running":true,"Status":"running","Health":{"Status":"healthy"}},
     "Config":{"Labels":{"VIP_0":"/web:80","com.docker.compose.project":"shop","com.docker.compose.service":"web","other":"x"}},
     "NetworkSettings":{"IPAddress":"","Ports":{"8080/tcp":[{"HostIp":"0.0.0.0","HostPort":"18080"}],"53/udp":null},
       "Networks":{"bridge":{"IPAddress":"10.88.0.5","GlobalIPv6Address":"fd00::5"}}}}
    """#

    @Test("compose names and namespace, network addresses, ports in order with host bindings, VIP label on the n-th port, health")
    func bridgedContainer() throws {
        let task = try #require(try RuntimeContainer.task(inspect: Self.inspect(Self.bridged), namespace: "containers", agentIP: IPAddress("10.0.0.1")))
        #expect(task.key == TaskKey(source: .runtime, group: "shop", id: "4f2a9c"))
        #expect(task.name == "web" && task.framework == "shop")
        #expect(task.addresses == [IPAddress("10.88.0.5")!, IPAddress("fd00::5")!])
        #expect(task.ports.map(\.containerPort) == [53, 8080])
        #expect(task.ports[0].hostPort == nil && task.ports[0].transport == .udp && task.ports[0].vips == ["/web:80"])
        #expect(task.ports[1].hostPort == 18080 && task.ports[1].vips.isEmpty)
        #expect(task.health == .healthy && task.labels["other"] == "x")
    }

    @Test("a host-network container with a VIP label and no ports serves on the VIP's port at the agent; stopped ones are no task")
    func hostNetworkAndStopped() throws {
        let json = #"{"Id":"77","Name":"/api","State":{"Running":true,"Health":{"Status":"starting"}},"Config":{"Labels":{"VIP_0":"/api:8000"}},"NetworkSettings":{"Networks":{"host":{"IPAddress":""}}}}"#
        let task = try #require(try RuntimeContainer.task(inspect: Self.inspect(json), namespace: "containers", agentIP: IPAddress("10.0.0.1")))
        #expect(task.name == "api" && task.framework == "containers" && task.addresses.isEmpty && task.health == .unhealthy)
        #expect(TaskBackends.backends(for: task).backends.map(\.description) == ["tcp://api.containers:8000 → 10.0.0.1:8000 weight 0"])
        #expect(try RuntimeContainer.task(inspect: Self.inspect(#"{"Id":"1","State":{"Running":false}}"#), namespace: "c", agentIP: nil) == nil)
        let stopping = try RuntimeContainer.task(inspect: Self.inspect(#"{"Id":"1","State":{"Running":false,"Status":"stopping"}}"#), namespace: "c", agentIP: nil)
        #expect(stopping?.state == .killing, "podman's stopping container drains until it exits")
        #expect(throws: RuntimeContainer.ParseError.self) { try RuntimeContainer.task(inspect: Self.inspect("[1,2]"), namespace: "c", agentIP: nil) }
    }

    @Test("event lines split anywhere; a line past the bound is an error, not a growing buffer")
    func lines() throws {
        var splitter = LineSplitter()
        let text = Array("{\"a\":1}\n\n{\"b\":2}\r\n{\"c\"".utf8)
        var lines: [[UInt8]] = []
        for byte in text { lines += try splitter.feed([byte]) }
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["{\"a\":1}", "{\"b\":2}\r"])
        #expect(throws: LineSplitter.Overlong.self) { try splitter.feed([UInt8](repeating: 0x41, count: LineSplitter.maximumLineBytes + 1)) }
    }
}
