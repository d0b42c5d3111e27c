import LashupCRDT
import LashupNetlink
import LashupOverlay
import LashupTestSupport
import Testing

/// The overlay's desired kernel state, reconciled into a real namespace: every remote holder's
/// neighbour, FDB entry and routes present; a second pass changes nothing; a holder that left
/// takes its entries with it; this host's VTEP link is never re-made when it already matches.
@Suite("Overlay kernel state in a namespace", .onOwnThread, .enabled(if: TestNamespace.canRun, "needs root and iproute2"))
struct OverlayKernelStateTests {
    static let settings = OverlaySettings()
    static let owner = OverlayKernelState.ownership([settings])

    static func holder(_ slot: Int) -> OverlayClaim {
        OverlayClaim(node: "host-\(slot)", slot: slot, claimedAt: 1, settledAt: 2, agentIP: "10.250.0.\(slot + 1)")
    }

    static func state(_ slots: [Int]) -> KernelState {
        OverlayKernelState.desired([.init(settings: settings, mine: holder(0), holders: slots.map(holder), mtu: 1450)])
    }

    @Test("programs the VTEP, bridge, rule and every remote holder's entries; a no-op second pass; a departed holder's entries removed")
    func reconciles() throws {
        let namespace = try TestNamespace("overlay-kernel")
        let client = try RTNetlink(namespace: namespace.path)
        let first = try Reconciler.reconcile(Self.state([0, 1, 2, 3]), owner: Self.owner, client: client)
        #expect(first.failures.isEmpty, "\(first.summary)")
        let vtep = try #require(try client.links().first { $0.name == "vtep1024" })
        #expect(vtep.mac == Self.settings.vtepMAC(0) && vtep.mtu == 1450)
        let routes = try namespace.run(["route", "show", "dev", "vtep1024"])
        for slot in 1...3 { #expect(routes.contains("\(Self.settings.hostSubnet(slot)) via \(Self.settings.vtepAddress(slot))"), "\(routes)") }
        #expect(try namespace.run(["route", "show", "table", "42"]).contains("10.250.0.2 via 44.128.0.2"))
        #expect(try namespace.run(["rule", "show"]).contains("from 9.0.0.0/8 lookup 42"))
        let neighbours = try client.neighbours().filter { $0.interface == "vtep1024" }
        #expect(Set(neighbours.map(\.address)) == Set((1...3).map(Self.settings.vtepAddress)))
        let fdb = try client.forwardingEntries().filter { $0.interface == "vtep1024" }
        #expect(Set(fdb.map(\.destination.description)) == ["10.250.0.2", "10.250.0.3", "10.250.0.4"])
        #expect(try namespace.run(["address", "show", "dev", "lashup-dcos"]).contains("9.0.0.1/24"))

        let again = try Reconciler.reconcile(Self.state([0, 1, 2, 3]), owner: Self.owner, client: client)
        #expect(again.isNoOp, "\(again.summary)")

        let left = try Reconciler.reconcile(Self.state([0, 1, 3]), owner: Self.owner, client: client)
        #expect(left.removed == 4 && left.added == 0, "one holder gone: its neighbour, FDB entry and two routes: \(left.summary)")
        #expect(!(try namespace.run(["route", "show", "dev", "vtep1024"]).contains(Self.settings.hostSubnet(2).description)))
        #expect(try client.links().first { $0.name == "vtep1024" }?.index == vtep.index, "the VTEP link was left alone")
    }
}
