import LashupCRDT

/// One VIP as operators see it: its backends, which this node can reach, and which it uses.
public struct VIPListing: Sendable, Equatable {
    public var vip: VIPKey
    /// The addresses clients connect to (a named VIP's, once resolved; else the VIP's own).
    public var addresses: [IPAddress]
    public var backends: [Row]

    public struct Row: Sendable, Equatable {
        public var backend: Backend
        /// Its agent is reachable from this node (or is this node).
        public var reachable: Bool
        /// This node's kernel sends new connections to it.
        public var used: Bool
        /// The weight this node's kernel gives it (nil when not programmed). When latency
        /// changes any backend of the VIP, its weights are scaled by 8 and each divided by its
        /// tier (8, 4, 2 or 1 times the configured weight); otherwise the configured weight.
        public var effectiveWeight: UInt32?
        /// Its smoothed TCP connect latency from this node (nil: not measured).
        public var latency: Duration?
        /// Ejected for failing its probes, with the last failure.
        public var ejected: String?
    }
}

extension LoadBalancer {
    /// Every VIP, in order, as this node sees and programs it.
    public func listing() -> [VIPListing] {
        table.backends.keys.sorted().map { vip in
            var addresses: [IPAddress] = []
            switch vip.target {
            case let .address(address): addresses = [address]
            case let .name(name):
                if let index = table.namedIndices[name] { addresses = [NamedVIPAddresses.ipv4(index), NamedVIPAddresses.ipv6(index)] }
            }
            var effective: [Backend.Endpoint: UInt32] = [:]
            for address in addresses {
                let service = ServiceKey(transport: vip.transport, address: address, port: vip.port)
                for backend in programmed[service] ?? [] { effective[backend.endpoint] = max(effective[backend.endpoint] ?? 0, backend.weight) }
            }
            let rows = (table.backends[vip] ?? []).map { backend in
                let health = vip.transport == .tcp ? latencyWeights?.health[ProbeTarget(backend)] : nil
                return VIPListing.Row(backend: backend, reachable: backend.agent == localName || reachable.contains(backend.agent),
                                      used: (effective[backend.endpoint] ?? 0) > 0, effectiveWeight: effective[backend.endpoint],
                                      latency: health?.latency,
                                      // Ejected but kept (every backend failing: fail open) is not reported as out.
                                      ejected: health?.ejectedUntil != nil && backend.weight > 0 && effective[backend.endpoint] == 0
                                          ? (health?.lastFailure ?? "probes failed") : nil)
            }
            let families = Set(rows.map(\.backend.address.isIPv4))
            return VIPListing(vip: vip, addresses: addresses.filter { families.contains($0.isIPv4) }, backends: rows)
        }
    }
}
