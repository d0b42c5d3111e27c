import LashupCRDT
@testable import LashupNetlink
import Testing

/// The delta between two desired states: exactly the objects that differ, additions before
/// removals, nothing at all for equal states, and nil (a full reconcile) when links change.
@Suite("Reconciler delta")
struct ReconcilerDeltaTests {
    let owner = Ownership(linkNames: ["vtep1024"], routeTables: [254, 42], rulePriorities: 31_000...31_000)

    func state(_ slots: [Int]) -> KernelState {
        var state = KernelState(links: [Link(name: "vtep1024", kind: .vxlan(VXLANSettings(vni: 1024, port: 64000)), up: true)])
        for slot in slots {
            let vtep = IPAddress.v4(0x2C80_0000 | UInt32(slot + 1))
            let mac = MACAddress(bytes: [0x70, 0xB3, 0xD5, 0x80, 0, UInt8(slot + 1)])!
            state.routes.insert(Route(destination: IPPrefix(address: .v4(0x0900_0000 | UInt32(slot) << 8), length: 24)!, gateway: vtep, device: "vtep1024", onLink: true))
            state.routes.insert(Route(destination: IPPrefix("fd01:b:0:0:\(slot + 1)::/80")!, gateway: IPAddress("fd01:a::\(slot + 1)"), device: "vtep1024", onLink: true))
            state.neighbours.insert(Neighbour(interface: "vtep1024", address: vtep, mac: mac))
            state.forwarding.insert(ForwardingEntry(interface: "vtep1024", mac: mac, destination: .v4(0x0A00_0000 | UInt32(slot + 1))))
        }
        return state
    }

    @Test("equal states: no change (IPv6 routes included, whose metric the kernel fills in)")
    func nothing() {
        #expect(Reconciler.delta(from: state([1, 2, 3]), to: state([1, 2, 3]), owner: owner).isEmpty)
    }

    @Test("a host more and a host fewer: its four objects added, the other's four removed, additions first")
    func oneInOneOut() {
        let changes = Reconciler.delta(from: state([1, 2, 3]), to: state([1, 2, 4]), owner: owner)
        #expect(changes.count == 8, "\(changes)")
        let firstRemoval = changes.firstIndex { if case .deleteRoute = $0 { true } else if case .deleteNeighbour = $0 { true } else if case .deleteForwarding = $0 { true } else { false } }
        #expect(firstRemoval == 4, "\(changes)")
        #expect(changes.contains(.deleteNeighbour(Neighbour(interface: "vtep1024", address: .v4(0x2C80_0004), mac: MACAddress(bytes: [0x70, 0xB3, 0xD5, 0x80, 0, 4])!))))
    }

    @Test("a neighbour whose MAC changed is replaced, not deleted")
    func replacedNeighbour() {
        var moved = state([1])
        let old = moved.neighbours.first!
        moved.neighbours = [Neighbour(interface: old.interface, address: old.address, mac: MACAddress("02:00:00:00:00:01")!)]
        #expect(Reconciler.delta(from: state([1]), to: moved, owner: owner) == [.replaceNeighbour(moved.neighbours.first!)])
    }
}
