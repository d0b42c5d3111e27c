import LashupCRDT
import LashupStore

/// Every VIP the store holds, with the addresses of named VIPs resolved: what each node
/// computes from the replicated state alone, so all nodes compute the same.
public struct VIPTable: Sendable, Equatable {
    /// Most VIP keys followed; beyond, the rest are reported and not served.
    public static let maximumVIPs = 100_000

    /// Each VIP with at least one backend, and its backends.
    public private(set) var backends: [VIPKey: [Backend]] = [:]
    /// Address claims of each named VIP key.
    private var claimsByKey: [VIPKey: Set<UInt32>] = [:]
    /// The resolved index of each name (see `NamedVIPAddresses`).
    public private(set) var namedIndices: [String: UInt32] = [:]

    public init() {}

    /// Applies the current value of one VIP key (nil or without backends: the VIP is gone).
    /// Returns false when the table is full and a new VIP was not added.
    @discardableResult
    public mutating func apply(_ vip: VIPKey, value: ORMap?) -> Bool {
        let found = VIPStoreKeys.backends(value)
        if found.isEmpty {
            backends[vip] = nil
            claimsByKey[vip] = nil
            return true
        }
        guard backends[vip] != nil || backends.count < Self.maximumVIPs else { return false }
        backends[vip] = found
        if case .name = vip.target { claimsByKey[vip] = VIPStoreKeys.claims(value) }
        return true
    }

    /// Recomputes the named VIPs' addresses; call once after a batch of `apply`.
    public mutating func resolveNames() {
        var claims: [String: Set<UInt32>] = [:]
        var reserved: Set<UInt32> = []
        for vip in backends.keys {
            switch vip.target {
            case let .name(name): claims[name, default: []].formUnion(claimsByKey[vip] ?? [])
            case let .address(address): if let index = NamedVIPAddresses.index(of: address) { reserved.insert(index) }
            }
        }
        namedIndices = NamedVIPAddresses.resolve(claims: claims, reserved: reserved)
    }

    /// The claim a named VIP's key should hold and does not: the agents publishing its
    /// backends write it, so its address stays put whatever else comes and goes.
    public func claimToWrite(for vip: VIPKey) -> UInt32? {
        guard case let .name(name) = vip.target, let index = namedIndices[name] else { return nil }
        let claims = claimsByKey[vip] ?? []
        return claims == [index] ? nil : index
    }

    /// The index a name not yet in the table would get: the first free one from its hash,
    /// given every index in use (nil when the range is full).
    public func indexForNewName(_ name: String) -> UInt32? {
        var taken = Set(namedIndices.values)
        for vip in backends.keys {
            if case let .address(address) = vip.target, let index = NamedVIPAddresses.index(of: address) { taken.insert(index) }
        }
        return NamedVIPAddresses.firstFree(from: NamedVIPAddresses.preferredIndex(name), taken: taken)
    }

    /// What the kernel should hold: each `(protocol, address, port)` with the backends to
    /// choose from. Backends must be of the address's family (a named VIP has an address in
    /// each family its backends use); of those, only backends whose agent `isReachable` from
    /// here are kept, unless none is, when all are (fail open: a wrong reachability view must
    /// not blackhole a service). A named VIP wins over an address VIP at the same address.
    public func services(isReachable: (String) -> Bool) -> [ServiceKey: [Backend]] {
        var result: [ServiceKey: [Backend]] = [:]
        for (vip, candidates) in backends.sorted(by: { (isNamed($0.key) ? 0 : 1, $0.key) < (isNamed($1.key) ? 0 : 1, $1.key) }) {
            var addresses: [IPAddress] = []
            switch vip.target {
            case let .address(address): addresses = [address]
            case let .name(name):
                if let index = namedIndices[name] { addresses = [NamedVIPAddresses.ipv4(index), NamedVIPAddresses.ipv6(index)] }
            }
            for address in addresses {
                let key = ServiceKey(transport: vip.transport, address: address, port: vip.port)
                guard result[key] == nil else { continue }
                let family = candidates.filter { $0.address.isIPv4 == address.isIPv4 }
                guard !family.isEmpty else { continue }
                let reachable = family.filter { isReachable($0.agent) }
                result[key] = reachable.isEmpty ? family : reachable
            }
        }
        return result
    }

    private func isNamed(_ vip: VIPKey) -> Bool { if case .name = vip.target { true } else { false } }
}

/// A VIP as the kernel matches it: destination address, protocol and port.
public struct ServiceKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var transport: VIPProtocol
    public var address: IPAddress
    public var port: UInt16

    public init(transport: VIPProtocol, address: IPAddress, port: UInt16) {
        self.transport = transport
        self.address = address
        self.port = port
    }

    public var description: String { VIPKey(transport, .address(address), port: port).description }

    public static func < (lhs: ServiceKey, rhs: ServiceKey) -> Bool {
        (lhs.address, lhs.transport, lhs.port) < (rhs.address, rhs.transport, rhs.port)
    }
}
