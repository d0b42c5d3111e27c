import LashupCRDT
import LashupNFTables
import LashupNetlink
import Synchronization

/// The kernel as the load balancer's dataplane: our nftables table (`LBRuleset`), a link the
/// VIP ranges are routed to so local clients can connect at all (a `dummy`, or an `ifb` on
/// kernels without dummy: both are always up and answer nothing themselves; the DNAT in the
/// output hook re-routes each connection to its backend), and conntrack for forgetting the
/// flows of removed UDP backends. Nothing outside our table, link and routes is touched.
public final class KernelDataplane: LBDataplane {
    /// The link the VIP ranges are routed to.
    public static let linkName = "lashup-vips"

    let tables: NFTables
    let rtnetlink: RTNetlink
    let conntrack: Conntrack
    let ranges: [IPPrefix]
    let table: String
    /// The link kind this kernel accepted (dummy first; ifb when dummy is unknown).
    let linkKind: Mutex<LinkKind>
    /// Our table without elements, the same every pass.
    let structure: NFTRuleset
    /// This host's agent: only its backends need hairpin masquerading.
    let localAgent: String?
    /// What the table holds, per service, since the last full write or verification (nil:
    /// unknown, so the next pass reads the table back).
    let programmed = Mutex<ProgrammedElements?>(nil)

    /// - Parameters:
    ///   - ranges: the VIP ranges to route locally (11.0.0.0/8 and fd01:c::/64 by default);
    ///     address VIPs outside them get a host route each.
    ///   - namespace: a network namespace file to program instead of this process's.
    ///   - localAgent: this host's agent name (nil: treat every backend as local).
    public init(ranges: [IPPrefix], namespace: String? = nil, table: String = "lashup", localAgent: String? = nil) throws {
        self.localAgent = localAgent
        structure = LBRuleset.structure(table: table)
        tables = try NFTables(namespace: namespace)
        rtnetlink = try RTNetlink(namespace: namespace)
        conntrack = try Conntrack(namespace: namespace)
        self.ranges = ranges
        self.table = table
        linkKind = Mutex(.dummy)
    }

    public func program(_ services: [ServiceKey: [Backend]], verify: Bool) async throws -> DataplaneReport {
        var report = DataplaneReport(lines: 0)
        // Routes first: a connection to a VIP whose rules exist must also find a route.
        report.kernelObjectsChanged = try reconcileRoutes(for: services.keys, verify: verify)
        if !verify, tables.writtenStructure == structure, let changes = programmed.withLock({ $0?.changes(to: services) }) {
            // Refused: the table is not what we left (deleted or edited by hand); the apply
            // below reads it back and repairs.
            if let sent = try? tables.change(changes, table: table) {
                report.lines = sent.lines
                return report
            }
        }
        programmed.withLock { $0 = nil }
        let ruleset = LBRuleset.ruleset(services, table: table, localAgent: localAgent)
        // The first load is written without a read-back, so VIPs work as soon as the kernel
        // took the transaction; the caller's next verifying pass reads it back.
        let result = verify || tables.writtenStructure != nil ? try tables.apply(ruleset) : try tables.write(ruleset)
        programmed.withLock { $0 = ProgrammedElements(services, localAgent: localAgent) }
        report.lines = result.lines
        if case let .full(reason) = result.kind { report.fullWriteReason = reason }
        return report
    }

    public func forgetFlows(of service: ServiceKey, to backend: Backend?) async throws -> Int {
        let protocolNumber: UInt8 = service.transport == .tcp ? 6 : 17
        return try conntrack.delete(matching: ConntrackFilter(
            protocolNumber: protocolNumber, originalDestination: service.address, originalDestinationPort: service.port,
            replySource: backend?.address, replySourcePort: backend?.port))
    }

    /// The routes local clients need, last computed; unchanged routes skip the netlink pass
    /// between verifications.
    let lastRoutes = Mutex<Set<Route>?>(nil)

    func reconcileRoutes(for services: Dictionary<ServiceKey, [Backend]>.Keys, verify: Bool) throws -> Int {
        var routes: Set<Route> = []
        for range in ranges { routes.insert(Route(destination: range, device: Self.linkName, scope: .link, routeProtocol: RouteProtocol.lashupLoadBalancer)) }
        for service in services where !ranges.contains(where: { $0.contains(service.address) }) {
            if let host = IPPrefix(address: service.address, length: service.address.isIPv4 ? 32 : 128) {
                routes.insert(Route(destination: host, device: Self.linkName, scope: .link, routeProtocol: RouteProtocol.lashupLoadBalancer))
            }
        }
        if !verify, lastRoutes.withLock({ $0 }) == routes { return 0 }
        let owner = Ownership(linkNames: [Self.linkName], routeProtocol: RouteProtocol.lashupLoadBalancer, routeTables: [254])
        var kind = linkKind.withLock { $0 }
        var report = try Reconciler.reconcile(KernelState(links: [Link(name: Self.linkName, kind: kind)], routes: routes), owner: owner, client: rtnetlink)
        if kind == .dummy, report.failures.contains(where: { if case .addLink = $0.change { $0.error.kind == .notSupported || $0.error.kind == .invalid } else { false } }) {
            kind = .other("ifb")
            linkKind.withLock { $0 = kind }
            report = try Reconciler.reconcile(KernelState(links: [Link(name: Self.linkName, kind: kind)], routes: routes), owner: owner, client: rtnetlink)
        }
        if let failure = report.failures.first { throw failure.error }
        lastRoutes.withLock { $0 = routes }
        return report.added + report.changed + report.removed
    }
}
