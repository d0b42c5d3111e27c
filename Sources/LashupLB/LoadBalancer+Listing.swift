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
            var used: Set<Backend.Endpoint> = []
            for address in addresses {
                let service = ServiceKey(transport: vip.transport, address: address, port: vip.port)
                for backend in programmed[service] ?? [] where backend.weight > 0 { used.insert(backend.endpoint) }
            }
            let rows = (table.backends[vip] ?? []).map { backend in
                VIPListing.Row(backend: backend, reachable: backend.agent == localName || reachable.contains(backend.agent), used: used.contains(backend.endpoint))
            }
            let families = Set(rows.map(\.backend.address.isIPv4))
            return VIPListing(vip: vip, addresses: addresses.filter { families.contains($0.isIPv4) }, backends: rows)
        }
    }
}
