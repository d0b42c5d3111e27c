import LashupCRDT

/// What a service owns in the kernel; everything else is never modified or deleted.
public struct Ownership: Sendable, Hashable {
    /// Links by exact name, and by name prefix (`vtep`, `lashup-`).
    public var linkNames: Set<String>
    public var linkPrefixes: [String]
    /// Routes of ours carry this protocol, in these tables.
    public var routeProtocol: UInt8
    public var routeTables: Set<UInt32>
    /// Rules of ours sit at these priorities.
    public var rulePriorities: ClosedRange<UInt32>

    public init(linkNames: Set<String> = [], linkPrefixes: [String] = [], routeProtocol: UInt8 = RouteProtocol.lashup,
                routeTables: Set<UInt32> = [], rulePriorities: ClosedRange<UInt32> = 0...0) {
        self.linkNames = linkNames
        self.linkPrefixes = linkPrefixes
        self.routeProtocol = routeProtocol
        self.routeTables = routeTables
        self.rulePriorities = rulePriorities
    }

    public func owns(link name: String) -> Bool {
        linkNames.contains(name) || linkPrefixes.contains { name.hasPrefix($0) }
    }

    public func owns(_ route: Route) -> Bool { route.routeProtocol == routeProtocol && routeTables.contains(route.table) }

    public func owns(_ rule: Rule) -> Bool { rule.priority != 0 && rulePriorities.contains(rule.priority) }
}

/// The kernel objects a service wants, of the kinds it owns.
public struct KernelState: Sendable, Hashable {
    public var links: [Link]
    public var addresses: Set<InterfaceAddress>
    public var routes: Set<Route>
    public var rules: Set<Rule>
    public var neighbours: Set<Neighbour>
    public var forwarding: Set<ForwardingEntry>

    public init(links: [Link] = [], addresses: Set<InterfaceAddress> = [], routes: Set<Route> = [], rules: Set<Rule> = [],
                neighbours: Set<Neighbour> = [], forwarding: Set<ForwardingEntry> = []) {
        self.links = links
        self.addresses = addresses
        self.routes = routes
        self.rules = rules
        self.neighbours = neighbours
        self.forwarding = forwarding
    }
}

/// What one reconcile pass did.
public struct ReconcileReport: Sendable {
    public var added = 0
    public var changed = 0
    public var removed = 0
    /// Every change planned, in the order carried out.
    public var changes: [KernelChange] = []
    /// Changes the kernel refused (the rest were made).
    public var failures: [(change: KernelChange, error: NetlinkError)] = []

    public init() {}

    public var isNoOp: Bool { changes.isEmpty }

    public var summary: String {
        "added \(added), changed \(changed), removed \(removed)" + (failures.isEmpty ? "" : ", \(failures.count) failed: \(failures.map { "\($0.error)" }.joined(separator: "; "))")
    }
}

/// Makes the kernel hold exactly the desired objects among those the owner owns: dump, diff,
/// and the minimal change. A second pass over an unchanged kernel changes nothing; objects not
/// owned are never touched; a link that already matches is left alone (re-setting a VXLAN
/// device's MAC would flush its static neighbours).
public enum Reconciler {
    /// Reads the kernel, plans and applies. Links are created and changed first, then every
    /// other object, and links are deleted last.
    public static func reconcile(_ desired: KernelState, owner: Ownership, client: RTNetlink) throws(NetlinkError) -> ReconcileReport {
        // Both families always: a stale IPv6 route of ours must go even when none is wanted.
        let current = try read(client)
        let plan = self.plan(desired: desired, current: current, owner: owner)
        var report = ReconcileReport()
        report.changes = plan.links + plan.objects + plan.linkDeletes
        for change in report.changes { count(change, in: &report) }
        for change in plan.links {
            if case let .updateLink(link) = change {
                do { try client.update(link) } catch { report.failures.append((change, error)) }
            } else {
                report.failures += try client.apply([change])
            }
        }
        report.failures += try client.apply(plan.objects)
        report.failures += try client.apply(plan.linkDeletes)
        return report
    }

    /// Everything of the kinds reconciled, as the kernel holds it now.
    public static func read(_ client: RTNetlink, families: Set<IPAddressFamily> = [.v4, .v6]) throws(NetlinkError) -> KernelState {
        var state = KernelState(links: try client.links(), addresses: Set(try client.addresses()))
        for family in families.sorted(by: { $0 == .v4 && $1 == .v6 }) {
            state.routes.formUnion(try client.routes(family))
            state.rules.formUnion(try client.rules(family))
        }
        state.neighbours = Set(try client.neighbours())
        state.forwarding = Set(try client.forwardingEntries())
        return state
    }

    /// The changes, in three phases.
    public struct Plan: Sendable, Equatable {
        public var links: [KernelChange] = []
        public var objects: [KernelChange] = []
        public var linkDeletes: [KernelChange] = []
    }

    /// The minimal changes taking `current` to `desired` within what `owner` owns. Pure.
    public static func plan(desired: KernelState, current: KernelState, owner: Ownership) -> Plan {
        var plan = Plan()
        let currentLinks = Dictionary(current.links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var desiredNames = Set<String>()
        for link in desired.links where owner.owns(link: link.name) {
            desiredNames.insert(link.name)
            if case let .veth(peer) = link.kind { desiredNames.insert(peer) }
            guard let existing = currentLinks[link.name] else {
                plan.links.append(.addLink(link))
                continue
            }
            if !sameKind(existing.kind, link.kind) {
                // A VNI or port cannot change in place: the device is made again.
                plan.links.append(.deleteLink(link.name))
                plan.links.append(.addLink(link))
            } else if linkNeedsUpdate(existing, link) {
                plan.links.append(.updateLink(link))
            }
        }
        // Links made again take their addresses, routes and neighbours with them: what the
        // kernel holds on them now will not be there after, so it counts as absent.
        let remade = Set(plan.links.compactMap { change -> String? in if case let .deleteLink(name) = change { name } else { nil } })
        for link in current.links where owner.owns(link: link.name) && !desiredNames.contains(link.name) {
            // A veth pair goes with either end; delete it once.
            if case let .veth(peer) = link.kind, plan.linkDeletes.contains(.deleteLink(peer)) { continue }
            plan.linkDeletes.append(.deleteLink(link.name))
        }

        let ownedLinks: (String) -> Bool = { owner.owns(link: $0) }
        let survives: (String) -> Bool = { !remade.contains($0) }
        let desiredAddresses = desired.addresses.filter { ownedLinks($0.interface) }
        // The kernel gives every IPv6 link an fe80:: address of its own: ours only if wanted.
        let currentAddresses = current.addresses.filter {
            ownedLinks($0.interface) && survives($0.interface) && (!$0.prefix.address.isLinkLocal || desiredAddresses.contains($0))
        }
        plan.objects += desiredAddresses.subtracting(currentAddresses).describedInOrder().map(KernelChange.addAddress)

        let desiredRoutes = Dictionary(desired.routes.map { normalized($0, owner) }.filter(owner.owns).map { (RouteKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        let currentRoutes = Dictionary(current.routes.filter { owner.owns($0) && ($0.device.map(survives) ?? true) }.map { (RouteKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        for (key, route) in inOrder(desiredRoutes) where !(currentRoutes[key].map { matches($0, route) } ?? false) {
            plan.objects.append(.replaceRoute(route))
        }

        let desiredRules = desired.rules.filter(owner.owns)
        let currentRules = current.rules.filter(owner.owns)
        plan.objects += desiredRules.subtracting(currentRules).describedInOrder().map(KernelChange.addRule)

        let desiredNeighbours = Dictionary(desired.neighbours.filter { ownedLinks($0.interface) }.map { (NeighbourKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        let currentNeighbours = Dictionary(current.neighbours.filter { ownedLinks($0.interface) && survives($0.interface) }.map { (NeighbourKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        for (key, neighbour) in inOrder(desiredNeighbours) where currentNeighbours[key] != neighbour {
            plan.objects.append(.replaceNeighbour(neighbour))
        }

        let desiredForwarding = desired.forwarding.filter { ownedLinks($0.interface) }
        let currentForwarding = current.forwarding.filter { ownedLinks($0.interface) && survives($0.interface) }
        plan.objects += desiredForwarding.subtracting(currentForwarding).describedInOrder().map(KernelChange.appendForwarding)

        // Removals of objects on links about to be deleted are left to the link's deletion.
        let dying = Set(plan.linkDeletes.compactMap { change -> String? in if case let .deleteLink(name) = change { name } else { nil } })
        plan.objects += currentAddresses.subtracting(desiredAddresses).filter { !dying.contains($0.interface) }.describedInOrder().map(KernelChange.deleteAddress)
        for (key, route) in inOrder(currentRoutes) where desiredRoutes[key] == nil && !(route.device.map(dying.contains) ?? false) {
            plan.objects.append(.deleteRoute(route))
        }
        plan.objects += currentRules.subtracting(desiredRules).describedInOrder().map(KernelChange.deleteRule)
        for (key, neighbour) in inOrder(currentNeighbours) where desiredNeighbours[key] == nil && !dying.contains(neighbour.interface) {
            plan.objects.append(.deleteNeighbour(neighbour))
        }
        plan.objects += currentForwarding.subtracting(desiredForwarding).filter { !dying.contains($0.interface) }.describedInOrder().map(KernelChange.deleteForwarding)
        return plan
    }

    static func count(_ change: KernelChange, in report: inout ReconcileReport) {
        switch change {
        case .addLink, .addAddress, .addRule, .appendForwarding: report.added += 1
        case .updateLink, .replaceRoute, .replaceNeighbour: report.changed += 1
        case .deleteLink, .deleteAddress, .deleteRoute, .deleteRule, .deleteNeighbour, .deleteForwarding: report.removed += 1
        }
    }

    /// The kernel's identity of a route: table, destination, metric.
    struct RouteKey: Hashable {
        let table: UInt32
        let destination: IPPrefix
        let metric: UInt32?
        init(_ route: Route) { (table, destination, metric) = (route.table, route.destination, route.metric) }
    }

    struct NeighbourKey: Hashable {
        let interface: String
        let address: IPAddress
        init(_ neighbour: Neighbour) { (interface, address) = (neighbour.interface, neighbour.address) }
    }

    /// A desired route as the kernel will report it: our protocol, the destination's host bits
    /// cleared; IPv4's metric 0 is no metric at all, IPv6 gives 1024 when none (or 0) is set and
    /// has no scopes.
    static func normalized(_ route: Route, _ owner: Ownership) -> Route {
        var route = route
        route.routeProtocol = owner.routeProtocol
        route.destination = route.destination.network
        switch route.destination.family {
        case .v4:
            if route.metric == 0 { route.metric = nil }
        case .v6:
            if route.metric == nil || route.metric == 0 { route.metric = 1024 }
            route.scope = .universe
        }
        return route
    }

    /// Whether the kernel's route is the desired one. A route through a gateway may leave its
    /// device out; the kernel then reports the one it chose, which is not a difference.
    static func matches(_ current: Route, _ desired: Route) -> Bool {
        var current = current
        if desired.device == nil { current.device = nil }
        return current == desired
    }

    static func sameKind(_ current: LinkKind, _ desired: LinkKind) -> Bool {
        switch (current, desired) {
        case (.veth, .veth), (.bridge, .bridge), (.dummy, .dummy): true
        case let (.vxlan(have), .vxlan(want)):
            have.vni == want.vni && have.port == want.port && have.learning == want.learning
                && (want.local == nil || have.local == want.local) && (want.underlay == nil || have.underlay == want.underlay)
        case let (.other(have), .other(want)): have == want
        default: false
        }
    }

    static func linkNeedsUpdate(_ current: Link, _ desired: Link) -> Bool {
        current.up != desired.up || (desired.mtu != nil && desired.mtu != current.mtu)
            || (desired.mac != nil && desired.mac != current.mac) || desired.master != current.master
    }

    /// A dictionary's entries in the order of their values' descriptions (each described
    /// once), so plans are the same on every run.
    static func inOrder<Key, Value: CustomStringConvertible>(_ dictionary: [Key: Value]) -> [(key: Key, value: Value)] {
        dictionary.map { (text: $0.value.description, entry: $0) }.sorted { $0.text < $1.text }.map(\.entry)
    }
}

extension Collection where Element: CustomStringConvertible {
    /// The elements in the order of their descriptions (each described once), so plans are
    /// the same on every run.
    func describedInOrder() -> [Element] {
        map { (text: $0.description, element: $0) }.sorted { $0.text < $1.text }.map(\.element)
    }
}
