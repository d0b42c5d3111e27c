import Foundation
import LashupCRDT
import LashupLB
import LashupNetlink
import LashupTestSupport
import Testing

let hasKernelTools = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    && ["/usr/bin/python3"].contains { FileManager.default.isExecutableFile(atPath: $0) }

/// The dataplane in a namespace of the test's own, with real servers and real connections:
/// weighted spread, IPv4 and IPv6, reject without backends, drain keeping established
/// connections, UDP re-pinning after a backend goes, one change as a few elements, and a
/// table deleted by hand repaired by verification.
@Suite("load balancer kernel dataplane", .onOwnThread, .enabled(if: TestNamespace.canRun && hasKernelTools, "needs root, iproute2, nftables and python3"))
struct KernelDataplaneTests {
    static let ranges = [IPPrefix("11.0.0.0/8")!, IPPrefix("fd01:c::/64")!]

    static func host() throws -> (TestNamespace, NamespaceProcess) {
        let namespace = try TestNamespace("lb")
        try namespace.batch([
            "address add 10.0.0.1/32 dev lo", "address add 10.0.0.2/32 dev lo", "address add 10.0.0.3/32 dev lo",
            "address add fd00::1/128 dev lo", "address add fd00::2/128 dev lo",
        ])
        let servers = try NamespaceServers.start(in: namespace, addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "fd00::1", "fd00::2"])
        return (namespace, servers)
    }

    static func backend(_ address: String, weight: UInt32 = 1) -> Backend {
        Backend(agent: "node-0", address: IPAddress(address)!, port: 8080, weight: weight)
    }

    static func service(_ address: String, _ transport: VIPProtocol = .tcp, port: UInt16 = 80) -> ServiceKey {
        ServiceKey(transport: transport, address: IPAddress(address)!, port: port)
    }

    @Test("connections spread over the backends in proportion to weight, IPv4 and IPv6; no backends is a refusal")
    func weightedSpread() async throws {
        let (namespace, servers) = try Self.host()
        defer { servers.stop() }
        let dataplane = try KernelDataplane(ranges: Self.ranges, namespace: namespace.path)
        let services: [ServiceKey: [Backend]] = [
            Self.service("11.0.0.5"): [Self.backend("10.0.0.1", weight: 3), Self.backend("10.0.0.2", weight: 1)],
            Self.service("fd01:c::5"): [Self.backend("fd00::1"), Self.backend("fd00::2")],
            Self.service("11.0.0.6"): [Self.backend("10.0.0.3", weight: 0)],
        ]
        let first = try await dataplane.program(services, verify: true)
        #expect(first.fullWriteReason == "first write")

        let spread = try NamespaceServers.spread(in: namespace, host: "11.0.0.5", port: 80, count: 400)
        #expect(spread.values.reduce(0, +) == 400 && spread["error"] == nil && spread["refused"] == nil, "\(spread)")
        let heavy = Double(spread["10.0.0.1"] ?? 0) / 400
        // Expected 0.75; ±0.15 is seven standard deviations at 400 connections.
        #expect(heavy > 0.6 && heavy < 0.9, "weight 3:1 gave \(spread)")

        let spread6 = try NamespaceServers.spread(in: namespace, host: "fd01:c::5", port: 80, count: 200)
        #expect((spread6["fd00::1"] ?? 0) > 50 && (spread6["fd00::2"] ?? 0) > 50, "\(spread6)")

        // Every backend drained: refused at once, not sent to wherever 11.0.0.6 routes.
        #expect(try NamespaceServers.spread(in: namespace, host: "11.0.0.6", port: 80, count: 5) == ["refused": 5])
        // Connections straight to a backend are not ours to touch.
        #expect(try NamespaceServers.spread(in: namespace, host: "10.0.0.1", port: 8080, count: 3) == ["10.0.0.1": 3])
    }

    @Test("one backend change is a few element lines; a table deleted by hand comes back on verification")
    func changesAndRepair() async throws {
        let (namespace, servers) = try Self.host()
        defer { servers.stop() }
        let dataplane = try KernelDataplane(ranges: Self.ranges, namespace: namespace.path)
        var services: [ServiceKey: [Backend]] = [:]
        for index in 0..<200 { services[ServiceKey(transport: .tcp, address: .v4(0x0B01_0000 + UInt32(index)), port: 80)] = [Self.backend("10.0.0.1"), Self.backend("10.0.0.2")] }
        // The first load is written without a read-back; the verifying pass then finds it intact.
        #expect(try await dataplane.program(services, verify: false).fullWriteReason == "first write")
        #expect(try await dataplane.program(services, verify: true).lines == 0)
        services[Self.service("11.1.0.7")] = [Self.backend("10.0.0.3")]
        let change = try await dataplane.program(services, verify: false)
        #expect(change.fullWriteReason == nil && change.lines > 0 && change.lines <= 6, "\(change)")
        #expect(try NamespaceServers.spread(in: namespace, host: "11.1.0.7", port: 80, count: 5) == ["10.0.0.3": 5])

        try namespace.nft(["delete", "table", "inet", "lashup"])
        #expect(try NamespaceServers.spread(in: namespace, host: "11.1.0.7", port: 80, count: 1)["10.0.0.3"] == nil)
        let repaired = try await dataplane.program(services, verify: true)
        #expect(repaired.fullWriteReason == "drift: the table was deleted")
        #expect(try NamespaceServers.spread(in: namespace, host: "11.1.0.7", port: 80, count: 5) == ["10.0.0.3": 5])

        // Deleted again, then a change without verification: the kernel refuses the element
        // changes (no table), and the pass repairs instead.
        try namespace.nft(["delete", "table", "inet", "lashup"])
        services[Self.service("11.1.0.7")] = [Self.backend("10.0.0.2")]
        let refused = try await dataplane.program(services, verify: false)
        #expect(refused.fullWriteReason == "drift: the table was deleted")
        #expect(try NamespaceServers.spread(in: namespace, host: "11.1.0.7", port: 80, count: 5) == ["10.0.0.2": 5])
        // Our route too.
        try namespace.run(["route", "del", "11.0.0.0/8"])
        _ = try await dataplane.program(services, verify: true)
        #expect(try namespace.run(["route", "show", "11.0.0.0/8"]).contains(KernelDataplane.linkName))
    }

    @Test("drain: an established connection keeps flowing while new ones go elsewhere")
    func drain() async throws {
        let (namespace, servers) = try Self.host()
        defer { servers.stop() }
        let dataplane = try KernelDataplane(ranges: Self.ranges, namespace: namespace.path)
        let vip = Self.service("11.0.0.8")
        _ = try await dataplane.program([vip: [Self.backend("10.0.0.1")]], verify: true)
        let connection = try NamespaceProcess(in: namespace, ["python3", "-u", "-c", NamespaceServers.longConnection, "11.0.0.8", "80"])
        defer { connection.stop() }
        #expect(connection.firstLine() == "10.0.0.1")
        _ = try await dataplane.program([vip: [Self.backend("10.0.0.1", weight: 0), Self.backend("10.0.0.2")]], verify: false)
        #expect(try NamespaceServers.spread(in: namespace, host: "11.0.0.8", port: 80, count: 20) == ["10.0.0.2": 20])
        connection.send("ping")
        #expect(connection.firstLine() == "ping", "the drained backend's connection was cut")
    }

    @Test("UDP: a client on a fixed source port is re-pinned once its backend is removed and its flows forgotten")
    func udpRepin() async throws {
        let (namespace, servers) = try Self.host()
        defer { servers.stop() }
        let dataplane = try KernelDataplane(ranges: Self.ranges, namespace: namespace.path)
        let vip = Self.service("11.0.0.9", .udp, port: 53)
        _ = try await dataplane.program([vip: [Self.backend("10.0.0.1"), Self.backend("10.0.0.2")]], verify: true)
        let pinned = try NamespaceServers.udp(in: namespace, host: "11.0.0.9", port: 53, sourcePort: 40_000)
        #expect(pinned == "10.0.0.1" || pinned == "10.0.0.2", "\(pinned)")
        #expect(try NamespaceServers.udp(in: namespace, host: "11.0.0.9", port: 53, sourcePort: 40_000) == pinned, "conntrack pins the flow")
        let other = pinned == "10.0.0.1" ? "10.0.0.2" : "10.0.0.1"
        _ = try await dataplane.program([vip: [Self.backend(other)]], verify: false)
        #expect(try NamespaceServers.udp(in: namespace, host: "11.0.0.9", port: 53, sourcePort: 40_000) == pinned, "still pinned: the kernel keeps the flow")
        let forgotten = try await dataplane.forgetFlows(of: vip, to: Self.backend(pinned))
        #expect(forgotten == 1)
        #expect(try NamespaceServers.udp(in: namespace, host: "11.0.0.9", port: 53, sourcePort: 40_000) == other)
    }
}
