import CLashupNetlink
import LashupCRDT
@testable import LashupNetlink
import LashupTestSupport
import Testing

/// The reconciler against a real kernel: a messy namespace made exactly the desired state,
/// foreign objects intact, and a second pass that changes nothing.
@Suite("Reconciler in a namespace", .onOwnThread, .enabled(if: TestNamespace.canRun && hasNFT, "needs root, iproute2 and nftables (a foreign nft table must stay untouched)"))
struct ReconcilerKernelTests {
    let owner = Ownership(linkNames: ["lashup-br"], linkPrefixes: ["vtep"], routeTables: [42], rulePriorities: 31_000...31_999)
    let mac = MACAddress("02:00:00:00:00:0a")!
    let vtepMAC = MACAddress("02:00:00:00:00:0b")!

    func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }
    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    var desired: KernelState {
        KernelState(
            links: [
                Link(name: "lashup-br", kind: .bridge, mtu: 1450, up: true),
                Link(name: "vtep1024", kind: .vxlan(VXLANSettings(vni: 1024, port: 64000)), mac: vtepMAC, up: true),
            ],
            addresses: [InterfaceAddress(interface: "lashup-br", prefix: prefix("9.0.0.1/24"))],
            routes: [
                Route(destination: prefix("11.0.0.7/32"), table: 42, device: "lashup-br", scope: .link),
                Route(destination: prefix("11.0.0.8/32"), table: 42, device: "lashup-br", scope: .link),
                Route(destination: prefix("9.0.1.0/24"), table: 42, gateway: ip("9.0.0.2"), device: "lashup-br"),
                // The kernel picks the device and reports it: not a difference to repair.
                Route(destination: prefix("9.0.3.0/24"), table: 42, gateway: ip("9.0.0.3")),
                // Host bits set: the kernel stores 9.0.4.0/24.
                Route(destination: prefix("9.0.4.1/24"), table: 42, device: "lashup-br", scope: .link),
                // IPv6: the kernel adds metric 1024.
                Route(destination: prefix("fd01:c::7/128"), table: 42, device: "lashup-br"),
            ],
            rules: [Rule(family: .v4, source: prefix("9.0.0.0/8"), table: 42, priority: 31_000)],
            neighbours: [Neighbour(interface: "vtep1024", address: ip("9.0.2.5"), mac: mac)],
            forwarding: [ForwardingEntry(interface: "vtep1024", mac: mac, destination: ip("192.0.2.5"))]
        )
    }

    @Test("a messy namespace is reconciled to exactly the desired state; foreign objects stay; the second pass is a no-op")
    func messy() throws {
        let namespace = try TestNamespace("reconcile")
        // Foreign: a link, its address and routes (main table and table 42, other protocol),
        // a rule at a priority not ours, an nft table. Ours but stale: a route, a rule, a
        // neighbour, and our bridge with the wrong MTU.
        try namespace.batch([
            "link add foreign0 type bridge", "link set foreign0 up", "address add 10.5.0.1/24 dev foreign0",
            "route add 10.6.0.0/24 via 10.5.0.2 dev foreign0 proto static",
            "route add 11.0.0.9/32 dev foreign0 table 42 proto static",
            "rule add from 10.5.0.0/16 table 42 priority 100",
            "link add lashup-br mtu 1500 type bridge", "link set lashup-br up",
            "route add 11.0.0.99/32 dev lashup-br table 42 proto 76",
            "rule add from 9.9.0.0/16 table 42 priority 31500",
            "neighbour replace 9.0.0.77 lladdr 02:00:00:00:00:77 dev lashup-br nud permanent",
        ])
        try namespace.nft(["add", "table", "inet", "foreign"])
        let client = try RTNetlink(namespace: namespace.path)
        let foreignBefore = try foreign(client)

        let first = try Reconciler.reconcile(desired, owner: owner, client: client)
        #expect(first.failures.isEmpty, "\(first.summary)")
        #expect(first.removed == 3, "stale route, rule and neighbour: \(first.changes)")
        #expect(first.changed >= 1, "the bridge's MTU: \(first.changes)")

        let after = try Reconciler.read(client)
        let owned = ownedView(after)
        let expected = ownedView(desired)
        #expect(owned.routes == expected.routes, "routes: \(owned.routes.symmetricDifference(expected.routes))")
        #expect(owned.rules == expected.rules)
        #expect(owned.neighbours == expected.neighbours)
        #expect(owned.forwarding == expected.forwarding)
        #expect(owned.addresses == expected.addresses)
        #expect(after.links.first { $0.name == "lashup-br" }?.mtu == 1450)
        #expect(after.links.first { $0.name == "vtep1024" }?.mac == vtepMAC)
        #expect(try foreign(client) == foreignBefore, "a foreign object changed")
        #expect(try namespace.nft(["list", "tables"]).contains("table inet foreign"))

        let second = try Reconciler.reconcile(desired, owner: owner, client: client)
        #expect(second.isNoOp, "second pass: \(second.changes)")

        // Drift: someone deletes one of our routes and re-sets the VXLAN device's MAC. The
        // next pass repairs exactly that.
        try namespace.run(["route", "del", "11.0.0.8/32", "table", "42"])
        try namespace.run(["link", "set", "vtep1024", "address", "02:00:00:00:00:0c"])
        let repair = try Reconciler.reconcile(desired, owner: owner, client: client)
        #expect(repair.failures.isEmpty, "\(repair.summary)")
        #expect(repair.changes.contains(.replaceRoute(Route(destination: prefix("11.0.0.8/32"), table: 42, device: "lashup-br", scope: .link))), "\(repair.changes)")
        #expect(repair.changes.contains { if case .updateLink(let link) = $0 { link.name == "vtep1024" } else { false } }, "\(repair.changes)")
        #expect(ownedView(try Reconciler.read(client)).routes == expected.routes)
        #expect(try Reconciler.reconcile(desired, owner: owner, client: client).isNoOp)

        // Nothing desired: everything of ours goes, foreign objects stay.
        let empty = try Reconciler.reconcile(KernelState(), owner: owner, client: client)
        #expect(empty.failures.isEmpty, "\(empty.summary)")
        let cleared = try Reconciler.read(client)
        #expect(!cleared.links.contains { owner.owns(link: $0.name) })
        #expect(ownedView(cleared).routes.isEmpty && ownedView(cleared).rules.isEmpty)
        #expect(try foreign(client) == foreignBefore)
    }

    /// Everything not owned, as comparable sets.
    func foreign(_ client: RTNetlink) throws -> [String] {
        let state = try Reconciler.read(client)
        // The kernel's own routes for our links and addresses (subnet, local, link-local,
        // multicast) come and go with them; they are not foreign objects.
        let foreignRoutes = state.routes.filter { !owner.owns($0) && !($0.device.map(owner.owns(link:)) ?? false) }
        var lines = foreignRoutes.map { "\($0) \($0.gateway.map(\.description) ?? "-") \($0.device ?? "-") \($0.routeProtocol)" }
        lines += state.rules.filter { !owner.owns($0) }.map(\.description)
        lines += state.links.filter { !owner.owns(link: $0.name) }.map { "\($0.name) \($0.up)" }
        lines += state.addresses.filter { !owner.owns(link: $0.interface) }.map(\.description)
        return lines.sorted()
    }

    func ownedView(_ state: KernelState) -> KernelState {
        var view = KernelState()
        // Compared as the reconciler compares them: normalized, and without the device the
        // kernel chose for routes the desired state gives only a gateway.
        let chosenDevice = Set(desired.routes.filter { $0.device == nil }.map { Reconciler.normalized($0, owner).destination })
        view.routes = Set(state.routes.filter(owner.owns).map { Reconciler.normalized($0, owner) }.map { route in
            var route = route
            if chosenDevice.contains(route.destination) { route.device = nil }
            return route
        })
        view.rules = state.rules.filter(owner.owns)
        view.neighbours = state.neighbours.filter { owner.owns(link: $0.interface) }
        view.forwarding = state.forwarding.filter { owner.owns(link: $0.interface) }
        view.addresses = state.addresses.filter { owner.owns(link: $0.interface) && !$0.prefix.address.description.hasPrefix("fe80") }
        return view
    }
}

/// Each kind of kernel refusal the client maps, provoked once, with the object named.
@Suite("rtnetlink errors", .onOwnThread, .enabled(if: TestNamespace.canRun, "needs root and iproute2 to create network namespaces"))
struct RTNetlinkErrorTests {
    @Test("exists, not found, no device, invalid, unreachable, not supported and permission, each naming its object")
    func kinds() throws {
        let namespace = try TestNamespace("errors")
        let client = try RTNetlink(namespace: namespace.path)
        try client.apply(.addLink(Link(name: "br-e", kind: .bridge, up: true)))
        let address = InterfaceAddress(interface: "br-e", prefix: IPPrefix("10.7.0.1/24")!)
        try client.apply(.addAddress(address))

        func refusal(_ change: KernelChange) throws -> NetlinkError? { try client.apply([change]).first?.error }

        let exists = try refusal(.addAddress(address))
        #expect(exists?.kind == .exists && "\(exists!)".hasPrefix("address 10.7.0.1/24 on br-e: file exists"), "\(String(describing: exists))")
        let missing = Route(destination: IPPrefix("11.0.0.7/32")!, table: 42, device: "br-e", scope: .link)
        let notFound = try refusal(.deleteRoute(missing))
        #expect(notFound?.kind == .notFound && "\(notFound!)".hasPrefix("route 11.0.0.7/32 table 42: "), "\(String(describing: notFound))")
        let unreachable = try refusal(.replaceRoute(Route(destination: IPPrefix("11.0.1.0/24")!, table: 42, gateway: IPAddress("192.0.2.1"), device: "br-e")))
        #expect(unreachable?.kind == .unreachable, "\(String(describing: unreachable))")
        let unsupported = try refusal(.addLink(Link(name: "odd0", kind: .other("nosuchkind"))))
        #expect(unsupported?.kind == .notSupported && "\(unsupported!)".hasPrefix("link odd0: "), "\(String(describing: unsupported))")
        let invalid = try refusal(.addLink(Link(name: "vx-bad", kind: .vxlan(VXLANSettings(vni: 1 << 24)))))
        #expect(invalid?.kind == .invalid, "\(String(describing: invalid))")
        // A name the kernel does not know fails that change alone, before it is sent.
        let unknown = try refusal(.replaceNeighbour(Neighbour(interface: "nosuch0", address: IPAddress("10.7.0.9")!, mac: MACAddress("02:00:00:00:00:01")!)))
        #expect(unknown == .unknownInterface("nosuch0", subject: "neighbour 10.7.0.9 on nosuch0"))
        // No device: an interface index gone by the time the kernel reads the request (a
        // race the public calls cannot stage; the request is built by hand).
        let route = Route(destination: IPPrefix("11.0.0.8/32")!, table: 42, scope: .link)
        let noDevice = try client.execute([(.replaceRoute(route), RouteCodec.replace(route, device: 999_999))]).first?.error
        #expect(noDevice?.kind == .noDevice && "\(noDevice!)".hasPrefix("route 11.0.0.8/32 table 42: no such device"), "\(String(describing: noDevice))")
        // Permission: what an agent without CAP_NET_ADMIN sees. The kernel checks the sending
        // thread's capabilities; this test runs on a thread of its own (`.onOwnThread`).
        #expect(KernelAccess.missing(for: "the load balancer") == nil)
        #expect(clashup_netlink_lower_admin(1) == 0)
        // Back however this test ends: the thread is the test runner's.
        defer { _ = clashup_netlink_lower_admin(0) }
        let conntrackDenied = Self.error { () throws(NetlinkError) in _ = try Conntrack(namespace: namespace.path).entries() }
        let startUpLine = KernelAccess.missing(for: "the load balancer")
        let denied = try client.apply([.addAddress(InterfaceAddress(interface: "br-e", prefix: IPPrefix("10.7.0.2/24")!))]).first?.error
        let stillReads = try client.links().contains { $0.name == "br-e" }
        #expect(clashup_netlink_lower_admin(0) == 0)
        #expect(stillReads, "reading needs no privilege")
        #expect(startUpLine == "the load balancer stays off: programming the kernel needs root or CAP_NET_ADMIN")
        #expect(denied?.kind == .permission && "\(denied!)".hasPrefix("address 10.7.0.2/24 on br-e: operation not permitted"), "\(String(describing: denied))")
        #expect(conntrackDenied?.kind == .permission && "\(conntrackDenied!)".hasPrefix("conntrack table: operation not permitted"), "\(String(describing: conntrackDenied))")
    }

    static func error(_ body: () throws(NetlinkError) -> Void) -> NetlinkError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }
}
