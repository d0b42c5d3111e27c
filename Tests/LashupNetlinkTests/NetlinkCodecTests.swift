import LashupCRDT
@testable import LashupNetlink
import Testing

/// The codec without a kernel: what is written reads back the same (a NEW request has the
/// layout of a dump reply), and malformed bytes are errors, never traps.
@Suite("Netlink codec")
struct NetlinkCodecTests {
    /// A request's bytes as the kernel would echo them in a dump.
    func reply(_ request: NetlinkRequest) throws -> NetlinkMessage {
        let messages = try NetlinkReader.messages(in: request.encoded(sequence: 7))
        #expect(messages.count == 1 && messages[0].sequence == 7 && messages[0].type == request.type)
        return messages[0]
    }

    @Test("routes, rules, addresses and neighbours read back as written")
    func roundTrips() throws {
        let route = Route(destination: IPPrefix("11.0.1.0/24")!, table: 4242, gateway: IPAddress("192.0.2.9"), onLink: true, scope: .universe, metric: 7)
        let decodedRoute = try #require(try RouteCodec.decode(reply(RouteCodec.replace(route, device: 3))))
        #expect(decodedRoute.route == route && decodedRoute.device == 3)

        let v6 = Route(destination: IPPrefix("fd00:2::/64")!, table: 42, scope: .link, type: .local)
        #expect(try RouteCodec.decode(reply(RouteCodec.add(v6, device: nil)))?.route == v6)

        let rule = Rule(family: .v6, source: IPPrefix("fd00:3::/48")!, table: 100_000, priority: 31_001)
        #expect(try RuleCodec.decode(reply(RuleCodec.add(rule))) == rule)

        let address = try #require(try AddressCodec.decode(reply(AddressCodec.add(InterfaceAddress(interface: "x", prefix: IPPrefix("10.1.0.1/24")!), index: 9))))
        #expect(address.index == 9 && address.prefix == IPPrefix("10.1.0.1/24"))

        let mac = MACAddress("02:00:00:00:00:2a")!
        let neighbour = try NeighbourCodec.decode(reply(NeighbourCodec.replace(Neighbour(interface: "x", address: IPAddress("10.1.0.9")!, mac: mac), index: 4)))
        #expect(neighbour.index == 4 && neighbour.address == IPAddress("10.1.0.9") && neighbour.mac == mac && neighbour.state == 0x80)
        let entry = try NeighbourCodec.decode(reply(NeighbourCodec.append(ForwardingEntry(interface: "vx", mac: mac, destination: IPAddress("192.0.2.1")!), index: 5)))
        #expect(entry.flags == 0x02 && entry.address == IPAddress("192.0.2.1"))
    }

    @Test("a VXLAN link reads back with its VNI, port, local address and underlay")
    func vxlanLink() throws {
        let link = Link(name: "vtep1024", kind: .vxlan(VXLANSettings(vni: 1024, port: 64000, local: IPAddress("10.0.0.1"), underlay: "eth0")), mtu: 1450, mac: MACAddress("02:00:00:00:00:01"), up: true)
        let request = try LinkCodec.create(link) { (_: String) throws(NetlinkError) in 2 }
        let decoded = try LinkCodec.decode(reply(request))
        #expect(decoded.link.name == "vtep1024" && decoded.link.mtu == 1450 && decoded.link.mac == link.mac && decoded.link.up)
        #expect(decoded.link.kind == .vxlan(VXLANSettings(vni: 1024, port: 64000, local: IPAddress("10.0.0.1"), learning: false)))
        #expect(decoded.underlayIndex == 2)
    }

    @Test("a conntrack entry reads back with both tuples, ports and zone; a delete names its original tuple")
    func conntrack() throws {
        let entry = ConntrackEntry(
            protocolNumber: 17,
            original: ConntrackTuple(source: IPAddress("10.0.0.9")!, destination: IPAddress("11.1.1.1")!, sourcePort: 5001, destinationPort: 80),
            reply: ConntrackTuple(source: IPAddress("10.0.0.5")!, destination: IPAddress("10.0.0.9")!, sourcePort: 8080, destinationPort: 5001),
            zone: 3
        )
        #expect(try ConntrackCodec.decode(reply(ConntrackCodec.new(entry))) == entry)
        let v6 = ConntrackEntry(protocolNumber: 6, original: ConntrackTuple(source: IPAddress("fd00::9")!, destination: IPAddress("fd01:c::7")!, sourcePort: 40000, destinationPort: 443),
                                reply: ConntrackTuple(source: IPAddress("fd00::5")!, destination: IPAddress("fd00::9")!, sourcePort: 443, destinationPort: 40000))
        #expect(try DumpedObject.decode(#require(DumpedObject.conntrack(v6).recreatingMessage)) == .conntrack(v6))
        let delete = ConntrackCodec.delete(entry)
        #expect(delete.type == 0x102 && delete.flags & Netlink.Flag.acknowledge != 0 && delete.subject.contains("dport=80"))
        // A port of one byte, inside a well-formed tuple.
        var writer = NetlinkWriter()
        ConntrackCodec.header(&writer, family: 2)
        writer.nested(1 | ConntrackCodec.nested) { tuple in
            tuple.nested(1) { ip in
                ip.attribute(1, bytes: [10, 0, 0, 9])
                ip.attribute(2, bytes: [11, 1, 1, 1])
            }
            tuple.nested(2) { proto in
                proto.attribute(1, UInt8(17))
                proto.attribute(2, bytes: [80])
            }
        }
        writer.nested(2) { _ in }
        let short = NetlinkMessage(type: 0x100, flags: 0, sequence: 1, portID: 0, payload: writer.bytes)
        #expect(throws: NetlinkDecodingError.truncated(what: "conntrack entry attribute 1 attribute 2 attribute 2", need: 2, have: 1)) { try ConntrackCodec.decode(short) }
    }

    @Test("hostile numbers and texts are values, not traps: errno Int32.min, empty prefixes; prefixes mask their host bits")
    func hostileValues() throws {
        let interrupted = NetlinkError.interrupted(subject: "route dump", attempts: 3)
        #expect("\(interrupted)" == "route dump: the dump changed while it was read, 3 times in a row")
        // An errno of Int32.min is hostile, not a trap.
        var hostile: [UInt8] = []
        withUnsafeBytes(of: Int32.min) { hostile += $0 }
        let (code, _) = try NetlinkSocket.errorCode(NetlinkMessage(type: 2, flags: 0, sequence: 1, portID: 0, payload: hostile))
        #expect(code == Int32.min)
        #expect(IPPrefix("") == nil && IPPrefix("/24") == nil && IPPrefix("10.0.0.0/33") == nil)
        #expect(IPPrefix("10.1.2.3/24")?.network == IPPrefix("10.1.2.0/24") && IPPrefix("fd01:c::7:1/112")?.network == IPPrefix("fd01:c::7:0/112"))
        #expect(IPPrefix("10.1.2.3/0")?.network == IPPrefix("0.0.0.0/0") && IPPrefix("fd01::1/128")?.network == IPPrefix("fd01::1/128"))
    }

    @Test("malformed messages and attributes are errors naming what is wrong")
    func malformed() throws {
        #expect(throws: NetlinkDecodingError.badLength(what: "message", length: 4)) { try NetlinkReader.messages(in: [4, 0, 0, 0] + [UInt8](repeating: 0, count: 12)) }
        #expect(throws: NetlinkDecodingError.truncated(what: "message", need: 64, have: 16)) { try NetlinkReader.messages(in: [64, 0, 0, 0] + [UInt8](repeating: 0, count: 12)) }
        #expect(throws: NetlinkDecodingError.self) { try NetlinkReader.messages(in: [1, 2, 3]) }
        // An rtmsg too short for its header, and an attribute longer than what is left.
        let shortRoute = NetlinkMessage(type: 24, flags: 0, sequence: 1, portID: 0, payload: [2, 32, 0])
        #expect(throws: NetlinkDecodingError.truncated(what: "route header", need: 12, have: 3)) { try RouteCodec.decode(shortRoute) }
        let overlong = NetlinkMessage(type: 24, flags: 0, sequence: 1, portID: 0, payload: [2, 32, 0, 0, 254, 76, 0, 1, 0, 0, 0, 0] + [200, 0, 1, 0, 10, 0, 0, 1])
        #expect(throws: NetlinkDecodingError.self) { try RouteCodec.decode(overlong) }
        // A destination that is not 4 or 16 bytes.
        let oddAddress = NetlinkMessage(type: 24, flags: 0, sequence: 1, portID: 0, payload: [2, 32, 0, 0, 254, 76, 0, 1, 0, 0, 0, 0] + [7, 0, 1, 0, 10, 0, 0, 0])
        #expect(throws: NetlinkDecodingError.badLength(what: "route address attribute 1", length: 3)) { try RouteCodec.decode(oddAddress) }
        // A prefix longer than the address.
        let longPrefix = NetlinkMessage(type: 24, flags: 0, sequence: 1, portID: 0, payload: [2, 40, 0, 0, 254, 76, 0, 1, 0, 0, 0, 0] + [8, 0, 1, 0, 10, 0, 0, 1])
        #expect(throws: NetlinkDecodingError.badLength(what: "route prefix", length: 40)) { try RouteCodec.decode(longPrefix) }
    }

    @Test("an error message carries the errno and the kernel's extended text")
    func errorMessages() throws {
        var payload: [UInt8] = []
        withUnsafeBytes(of: Int32(-17)) { payload += $0 }
        payload += [UInt8](repeating: 0, count: 16)  // echoed header (capped)
        var writer = NetlinkWriter()
        writer.attribute(1, string: "ipv4: Address already assigned")
        payload += writer.bytes
        let message = NetlinkMessage(type: 2, flags: Netlink.Flag.capped | Netlink.Flag.acknowledgeTLVs, sequence: 1, portID: 0, payload: payload)
        let (code, text) = try NetlinkSocket.errorCode(message)
        #expect(code == 17 && text == "ipv4: Address already assigned")
    }
}

/// The reconciler's plan without a kernel.
@Suite("Reconciler plan")
struct ReconcilerPlanTests {
    let owner = Ownership(linkNames: ["lashup-br"], linkPrefixes: ["vtep"], routeTables: [42], rulePriorities: 31_000...31_999)

    func route(_ destination: String, table: UInt32 = 42, protocol routeProtocol: UInt8 = RouteProtocol.lashup, device: String = "lashup-br") -> Route {
        Route(destination: IPPrefix(destination)!, table: table, device: device, scope: .link, routeProtocol: routeProtocol)
    }

    @Test("only owned objects are planned: a foreign route in our table and a foreign link are never touched")
    func ownership() {
        let current = KernelState(
            links: [Link(name: "eth0", kind: .other("veth")), Link(name: "lashup-br", kind: .bridge, up: true)],
            routes: [route("11.0.0.9/32", protocol: RouteProtocol.staticRoute, device: "eth0"), route("11.0.0.99/32"), route("10.0.0.0/8", table: 254, device: "eth0")],
            rules: [Rule(family: .v4, table: 42, priority: 100), Rule(family: .v4, table: 42, priority: 31_500)]
        )
        let desired = KernelState(links: [Link(name: "lashup-br", kind: .bridge, up: true)], routes: [route("11.0.0.7/32")])
        let plan = Reconciler.plan(desired: desired, current: current, owner: owner)
        #expect(plan.links.isEmpty && plan.linkDeletes.isEmpty)
        #expect(plan.objects == [.replaceRoute(route("11.0.0.7/32")), .deleteRoute(route("11.0.0.99/32")), .deleteRule(Rule(family: .v4, table: 42, priority: 31_500))])
    }

    @Test("a matching link is left alone; a changed VNI remakes the device; an MTU change updates in place")
    func links() {
        let vxlan = Link(name: "vtep1024", kind: .vxlan(VXLANSettings(vni: 1024, port: 64000)), mac: MACAddress("02:00:00:00:00:01"), up: true)
        var current = vxlan
        current.mtu = 1500
        current.index = 7
        #expect(Reconciler.plan(desired: KernelState(links: [vxlan]), current: KernelState(links: [current]), owner: owner) == Reconciler.Plan())
        var otherVNI = vxlan
        otherVNI.kind = .vxlan(VXLANSettings(vni: 1025, port: 64000))
        #expect(Reconciler.plan(desired: KernelState(links: [otherVNI]), current: KernelState(links: [current]), owner: owner).links == [.deleteLink("vtep1024"), .addLink(otherVNI)])
        var smaller = vxlan
        smaller.mtu = 1450
        #expect(Reconciler.plan(desired: KernelState(links: [smaller]), current: KernelState(links: [current]), owner: owner).links == [.updateLink(smaller)])
    }

    @Test("objects on a link being deleted are left to its deletion; IPv6 routes get the kernel's default metric")
    func cascade() {
        let current = KernelState(
            links: [Link(name: "vtep1024", kind: .bridge)],
            addresses: [InterfaceAddress(interface: "vtep1024", prefix: IPPrefix("9.0.0.1/24")!)],
            routes: [route("11.0.0.7/32", device: "vtep1024")]
        )
        let plan = Reconciler.plan(desired: KernelState(), current: current, owner: owner)
        #expect(plan.linkDeletes == [.deleteLink("vtep1024")] && plan.objects.isEmpty)
        let v6 = Route(destination: IPPrefix("fd00::/64")!, table: 42, device: "lashup-br")
        var reported = v6
        reported.metric = 1024
        #expect(Reconciler.plan(desired: KernelState(routes: [v6]), current: KernelState(routes: [reported]), owner: owner).objects.isEmpty)
    }

    @Test("routes compare as the kernel reports them: masked destination, IPv4 metric 0 as none, a device the kernel chose")
    func routeNormalization() {
        let unmasked = Route(destination: IPPrefix("9.0.4.1/24")!, table: 42, device: "lashup-br", scope: .link, metric: 0)
        let reported = Route(destination: IPPrefix("9.0.4.0/24")!, table: 42, device: "lashup-br", scope: .link)
        #expect(Reconciler.plan(desired: KernelState(routes: [unmasked]), current: KernelState(routes: [reported]), owner: owner).objects.isEmpty)
        let viaGateway = Route(destination: IPPrefix("9.0.3.0/24")!, table: 42, gateway: IPAddress("9.0.0.3"))
        var chosen = viaGateway
        chosen.device = "lashup-br"
        #expect(Reconciler.plan(desired: KernelState(routes: [viaGateway]), current: KernelState(routes: [chosen]), owner: owner).objects.isEmpty)
        // A device the desired route names is compared.
        var named = viaGateway
        named.device = "vtep1024"
        #expect(Reconciler.plan(desired: KernelState(routes: [named]), current: KernelState(routes: [chosen]), owner: owner).objects == [.replaceRoute(named)])
    }

    @Test("a remade link's objects are made again; the kernel's own link-local addresses stay unless wanted")
    func remadeLinks() {
        let old = Link(name: "vtep1024", kind: .vxlan(VXLANSettings(vni: 1024, port: 64000)), up: true)
        var new = old
        new.kind = .vxlan(VXLANSettings(vni: 1025, port: 64000))
        let address = InterfaceAddress(interface: "vtep1024", prefix: IPPrefix("44.128.0.1/20")!)
        let linkLocal = InterfaceAddress(interface: "vtep1024", prefix: IPPrefix("fe80::1/64")!)
        let neighbour = Neighbour(interface: "vtep1024", address: IPAddress("44.128.0.2")!, mac: MACAddress("02:00:00:00:00:02")!)
        let route = route("9.0.2.0/24", device: "vtep1024")
        let current = KernelState(links: [old], addresses: [address, linkLocal], routes: [route], neighbours: [neighbour])
        let plan = Reconciler.plan(desired: KernelState(links: [new], addresses: [address], routes: [route], neighbours: [neighbour]), current: current, owner: owner)
        #expect(plan.links == [.deleteLink("vtep1024"), .addLink(new)])
        #expect(Set(plan.objects) == [.addAddress(address), .replaceRoute(route), .replaceNeighbour(neighbour)], "\(plan.objects)")
        // Same link: the kernel's fe80 address is not ours to delete; a wanted one is kept.
        #expect(Reconciler.plan(desired: KernelState(links: [old], addresses: [address], routes: [route], neighbours: [neighbour]), current: current, owner: owner) == Reconciler.Plan())
        let wanted = Reconciler.plan(desired: KernelState(links: [old], addresses: [address, linkLocal], routes: [route], neighbours: [neighbour]), current: current, owner: owner)
        #expect(wanted == Reconciler.Plan())
    }
}
