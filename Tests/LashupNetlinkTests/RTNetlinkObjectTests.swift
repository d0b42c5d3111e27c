import LashupCRDT
import LashupNetlink
import LashupTestSupport
import Testing

/// Every object kind created through `RTNetlink`, read back by dump, changed and removed, in a
/// network namespace of the test's own.
@Suite("rtnetlink objects", .onOwnThread, .enabled(if: TestNamespace.canRun, "needs root and iproute2 to create network namespaces"))
struct RTNetlinkObjectTests {
    let mac1 = MACAddress("02:00:00:00:00:01")!
    let mac2 = MACAddress("02:00:00:00:00:02")!

    func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }
    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test("links: bridge, veth pair, VXLAN; up, MTU, MAC, bridge port; moved to another namespace; deleted")
    func links() throws {
        let namespace = try TestNamespace("links")
        let other = try TestNamespace("links-peer")
        let client = try RTNetlink(namespace: namespace.path)
        try client.apply(.addLink(Link(name: "br-t", kind: .bridge, up: true)))
        try client.apply(.addLink(Link(name: "vt0", kind: .veth(peer: "vt1"), mtu: 1400, up: true)))
        try client.apply(.addLink(Link(name: "vx0", kind: .vxlan(VXLANSettings(vni: 4242, port: 4789, local: ip("10.9.0.1"), underlay: "vt0")), mtu: 1350, mac: mac1, up: false)))
        var links = Dictionary(try client.links().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(links["br-t"]?.kind == .bridge && links["br-t"]?.up == true)
        #expect(links["vt0"]?.kind == .veth(peer: "vt1") && links["vt0"]?.mtu == 1400)
        #expect(links["vt1"]?.kind == .veth(peer: "vt0"))
        #expect(links["vx0"]?.kind == .vxlan(VXLANSettings(vni: 4242, port: 4789, local: ip("10.9.0.1"), underlay: "vt0", learning: false)))
        #expect(links["vx0"]?.mac == mac1 && links["vx0"]?.mtu == 1350 && links["vx0"]?.up == false)
        // The kernel's own view agrees (iproute2 as an independent reader).
        #expect(try namespace.run(["-d", "link", "show", "vx0"]).contains("vxlan id 4242"))

        try client.update(Link(name: "vt0", kind: .veth(peer: "vt1"), mtu: 1300, mac: mac2, up: true, master: "br-t"))
        try client.update(Link(name: "vx0", kind: .vxlan(VXLANSettings(vni: 4242)), up: true))
        links = Dictionary(try client.links().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(links["vt0"]?.mtu == 1300 && links["vt0"]?.mac == mac2 && links["vt0"]?.master == "br-t")
        #expect(links["vx0"]?.up == true && links["vx0"]?.mac == mac1, "an update that does not name the MAC keeps it")

        try client.moveLink("vt1", toNamespace: other.path)
        #expect(try client.links().contains { $0.name == "vt1" } == false)
        #expect(try RTNetlink(namespace: other.path).links().contains { $0.name == "vt1" })

        try client.apply(.deleteLink("vx0"))
        try client.apply(.deleteLink("vt0"))
        #expect(try client.links().map(\.name).sorted() == ["br-t", "lo"])
    }

    @Test("addresses, routes in a table, policy rules, permanent neighbours and VXLAN FDB entries")
    func objects() throws {
        let namespace = try TestNamespace("objects")
        let client = try RTNetlink(namespace: namespace.path)
        try client.apply(.addLink(Link(name: "br-t", kind: .bridge, up: true)))
        try client.apply(.addLink(Link(name: "vx0", kind: .vxlan(VXLANSettings(vni: 7)), up: true)))

        let address = InterfaceAddress(interface: "br-t", prefix: prefix("10.1.0.1/24"))
        let address6 = InterfaceAddress(interface: "br-t", prefix: prefix("fd00:1::1/64"))
        try client.apply(.addAddress(address))
        try client.apply(.addAddress(address6))
        #expect(Set(try client.addresses()).isSuperset(of: [address, address6]))

        let direct = Route(destination: prefix("11.0.0.7/32"), table: 42, device: "br-t", scope: .link)
        let viaGateway = Route(destination: prefix("11.0.1.0/24"), table: 42, gateway: ip("10.1.0.2"), device: "br-t")
        let onLink = Route(destination: prefix("11.0.2.0/24"), table: 4242, gateway: ip("192.0.2.9"), device: "br-t", onLink: true)
        let v6 = Route(destination: prefix("fd00:2::/64"), table: 42, device: "br-t", metric: 1024)
        let failures = try client.apply([.replaceRoute(direct), .replaceRoute(viaGateway), .replaceRoute(onLink), .replaceRoute(v6)])
        #expect(failures.isEmpty, "\(failures.map(\.error))")
        let routes = Set(try client.routes(.v4) + client.routes(.v6))
        #expect(routes.isSuperset(of: [direct, viaGateway, onLink, v6]), "\(routes.filter { $0.table == 42 || $0.table == 4242 })")
        #expect(try namespace.run(["route", "show", "table", "4242"]).contains("11.0.2.0/24 via 192.0.2.9 dev br-t proto 76 onlink"))
        var moved = viaGateway
        moved.gateway = ip("10.1.0.3")
        try client.apply(.replaceRoute(moved))
        let table42 = try client.routes(.v4).filter { $0.table == 42 }
        #expect(table42.contains(moved) && !table42.contains(viaGateway))

        let rule = Rule(family: .v4, source: prefix("10.2.0.0/16"), table: 42, priority: 31_000)
        let rule6 = Rule(family: .v6, source: prefix("fd00:3::/48"), table: 42, priority: 31_001)
        try client.apply(.addRule(rule))
        try client.apply(.addRule(rule6))
        #expect(try client.rules(.v4).contains(rule) && client.rules(.v6).contains(rule6))

        let neighbour = Neighbour(interface: "br-t", address: ip("10.1.0.9"), mac: mac1)
        try client.apply(.replaceNeighbour(neighbour))
        #expect(try client.neighbours().contains(neighbour))
        let changed = Neighbour(interface: "br-t", address: ip("10.1.0.9"), mac: mac2)
        try client.apply(.replaceNeighbour(changed))
        #expect(try client.neighbours().filter { $0.address == ip("10.1.0.9") } == [changed])

        let flood1 = ForwardingEntry(interface: "vx0", mac: MACAddress("00:00:00:00:00:00")!, destination: ip("192.0.2.1"))
        let flood2 = ForwardingEntry(interface: "vx0", mac: MACAddress("00:00:00:00:00:00")!, destination: ip("192.0.2.2"))
        let host = ForwardingEntry(interface: "vx0", mac: mac1, destination: ip("192.0.2.3"))
        #expect(try client.apply([.appendForwarding(flood1), .appendForwarding(flood2), .appendForwarding(host)]).isEmpty)
        #expect(Set(try client.forwardingEntries()) == [flood1, flood2, host])

        let removals: [KernelChange] = [
            .deleteForwarding(flood1), .deleteNeighbour(changed), .deleteRule(rule), .deleteRule(rule6),
            .deleteRoute(direct), .deleteRoute(moved), .deleteRoute(onLink), .deleteRoute(v6), .deleteAddress(address),
        ]
        #expect(try client.apply(removals).isEmpty)
        #expect(Set(try client.forwardingEntries()) == [flood2, host])
        #expect(try client.neighbours().isEmpty)
        #expect(try !client.rules(.v4).contains(rule) && !client.rules(.v6).contains(rule6))
        #expect(try client.routes(.v4).filter { $0.table == 42 || $0.table == 4242 }.isEmpty)
        #expect(try client.routes(.v6).filter { $0.table == 42 }.isEmpty)
        #expect(try !client.addresses().contains(address))
    }
}
