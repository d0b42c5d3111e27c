import LashupCRDT
import LashupNetlink

/// The kernel objects one host wants for its overlays (dcos-net §3), computed from its own
/// settled claim and every other settled holder; `Reconciler` makes the kernel match.
///
/// Per overlay, once this host's claim has settled:
/// - the VXLAN device (learning off, this host's VTEP MAC, the overlay MTU) with the VTEP
///   address, and the bridge containers attach to, holding the subnet's gateway address;
/// - the rule `from <overlay subnet> lookup <table>`;
/// - per remote holder: a permanent neighbour (VTEP IP → MAC), an FDB entry (MAC → agent IP),
///   the route `<its subnet> via <its VTEP> onlink`, and `<its agent IP>/32 via <its VTEP>` in
///   the overlay's table, so a container's traffic to another agent goes through the overlay
///   and its reply comes back the same way (no asymmetric path for rp_filter to drop).
/// A host that left or was released is simply absent, so its entries are removed everywhere.
public enum OverlayKernelState {
    /// The priority of the overlays' policy rules (ours: the reconciler's ownership mark).
    public static let rulePriority: UInt32 = 31_000

    /// What the reconciler may touch for `overlays`: their devices and bridges, our routes in
    /// the main table and their tables, our rule priority.
    public static func ownership(_ overlays: [OverlaySettings]) -> Ownership {
        Ownership(linkNames: Set(overlays.flatMap { [$0.device, $0.bridge] }), routeProtocol: RouteProtocol.lashup,
                  routeTables: Set([254] + overlays.map(\.routingTable)), rulePriorities: rulePriority...rulePriority)
    }

    /// One overlay's part of the desired state.
    public struct Input: Sendable {
        public var settings: OverlaySettings
        /// This host's settled claim; nil: nothing of this overlay is wanted here.
        public var mine: OverlayClaim?
        /// Every settled holder (this host's may be among them; it is skipped).
        public var holders: [OverlayClaim]
        /// The MTU of the overlay's links.
        public var mtu: UInt32

        public init(settings: OverlaySettings, mine: OverlayClaim?, holders: [OverlayClaim], mtu: UInt32) {
            self.settings = settings
            self.mine = mine
            self.holders = holders
            self.mtu = mtu
        }
    }

    public static func desired(_ inputs: [Input]) -> KernelState {
        var state = KernelState()
        for input in inputs { add(input, to: &state) }
        return state
    }

    static func add(_ input: Input, to state: inout KernelState) {
        let settings = input.settings
        guard let mine = input.mine, let local = IPAddress(mine.agentIP) else { return }
        let device = settings.device
        state.links.append(Link(name: device, kind: .vxlan(VXLANSettings(vni: settings.vni, port: settings.port, local: local, learning: false)),
                                mtu: input.mtu, mac: settings.vtepMAC(mine.slot), up: true))
        state.links.append(Link(name: settings.bridge, kind: .bridge, mtu: input.mtu, up: true))
        state.addresses.insert(InterfaceAddress(interface: device, prefix: IPPrefix(address: settings.vtepAddress(mine.slot), length: settings.vtepSubnet.length)!))
        state.addresses.insert(InterfaceAddress(interface: settings.bridge, prefix: IPPrefix(address: settings.gateway(mine.slot), length: settings.hostPrefixLength)!))
        if let vtep6 = settings.vtepAddress6(mine.slot), let vtepSubnet6 = settings.vtepSubnet6,
           let gateway6 = settings.gateway6(mine.slot) {
            state.addresses.insert(InterfaceAddress(interface: device, prefix: IPPrefix(address: vtep6, length: vtepSubnet6.length)!))
            state.addresses.insert(InterfaceAddress(interface: settings.bridge, prefix: IPPrefix(address: gateway6, length: settings.hostPrefixLength6)!))
        }
        state.rules.insert(Rule(family: .v4, source: settings.subnet, table: settings.routingTable, priority: rulePriority))
        for holder in input.holders where holder.node != mine.node && holder.slot != mine.slot {
            guard let agent = IPAddress(holder.agentIP), agent.isIPv4 else { continue }
            let vtep = settings.vtepAddress(holder.slot)
            let mac = settings.vtepMAC(holder.slot)
            state.neighbours.insert(Neighbour(interface: device, address: vtep, mac: mac))
            state.forwarding.insert(ForwardingEntry(interface: device, mac: mac, destination: agent))
            state.routes.insert(Route(destination: settings.hostSubnet(holder.slot), gateway: vtep, device: device, onLink: true))
            state.routes.insert(Route(destination: IPPrefix(address: agent, length: 32)!, table: settings.routingTable, gateway: vtep, device: device, onLink: true))
            if let vtep6 = settings.vtepAddress6(holder.slot), let subnet6 = settings.hostSubnet6(holder.slot) {
                state.neighbours.insert(Neighbour(interface: device, address: vtep6, mac: mac))
                state.routes.insert(Route(destination: subnet6, gateway: vtep6, device: device, onLink: true))
            }
        }
    }
}
