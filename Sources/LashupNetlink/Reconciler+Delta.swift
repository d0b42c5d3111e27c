extension Reconciler {
    /// Applies what changed between two desired states without reading the kernel: the cheap
    /// pass a service runs on each change, between the full reconciles that read everything
    /// back and repair drift. `previous` must be what the kernel was last made to hold (a
    /// pass that failed in part must be followed by a full reconcile). Returns nil when a
    /// link would change: link changes go through `reconcile`, which reads the links first.
    ///
    /// Set differences only (no sorting of the whole state, no descriptions): its cost is the
    /// hashing of both states plus the change itself, so nothing to do sends nothing.
    public static func applyDelta(from previous: KernelState, to desired: KernelState, owner: Ownership, client: RTNetlink) throws(NetlinkError) -> ReconcileReport? {
        guard previous.links == desired.links else { return nil }
        let changes = delta(from: previous, to: desired, owner: owner)
        var report = ReconcileReport()
        report.changes = changes
        for change in changes { count(change, in: &report) }
        report.failures = try client.apply(changes)
        return report
    }

    /// The object changes from `previous` to `desired` (links equal), additions and
    /// replacements first, then removals, each group in a stable order.
    static func delta(from previous: KernelState, to desired: KernelState, owner: Ownership) -> [KernelChange] {
        let owned: (String) -> Bool = { owner.owns(link: $0) }
        let wantedRoutes = Set(desired.routes.map { normalized($0, owner) }.filter(owner.owns))
        let hadRoutes = Set(previous.routes.map { normalized($0, owner) }.filter(owner.owns))
        let wantedRouteKeys = Set(wantedRoutes.map(RouteKey.init))
        let wantedNeighbours = desired.neighbours.filter { owned($0.interface) }
        let hadNeighbours = previous.neighbours.filter { owned($0.interface) }
        let wantedNeighbourKeys = Set(wantedNeighbours.map(NeighbourKey.init))
        let wantedAddresses = desired.addresses.filter { owned($0.interface) }
        let hadAddresses = previous.addresses.filter { owned($0.interface) }
        let wantedRules = desired.rules.filter(owner.owns)
        let hadRules = previous.rules.filter(owner.owns)
        let wantedForwarding = desired.forwarding.filter { owned($0.interface) }
        let hadForwarding = previous.forwarding.filter { owned($0.interface) }

        var changes: [KernelChange] = []
        changes += wantedAddresses.subtracting(hadAddresses).describedInOrder().map(KernelChange.addAddress)
        changes += wantedRoutes.subtracting(hadRoutes).describedInOrder().map(KernelChange.replaceRoute)
        changes += wantedRules.subtracting(hadRules).describedInOrder().map(KernelChange.addRule)
        changes += wantedNeighbours.subtracting(hadNeighbours).describedInOrder().map(KernelChange.replaceNeighbour)
        changes += wantedForwarding.subtracting(hadForwarding).describedInOrder().map(KernelChange.appendForwarding)
        changes += hadAddresses.subtracting(wantedAddresses).describedInOrder().map(KernelChange.deleteAddress)
        changes += hadRoutes.filter { !wantedRouteKeys.contains(RouteKey($0)) }.describedInOrder().map(KernelChange.deleteRoute)
        changes += hadRules.subtracting(wantedRules).describedInOrder().map(KernelChange.deleteRule)
        changes += hadNeighbours.filter { !wantedNeighbourKeys.contains(NeighbourKey($0)) }.describedInOrder().map(KernelChange.deleteNeighbour)
        changes += hadForwarding.subtracting(wantedForwarding).describedInOrder().map(KernelChange.deleteForwarding)
        return changes
    }
}
