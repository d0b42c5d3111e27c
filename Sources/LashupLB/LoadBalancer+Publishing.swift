import LashupCRDT
import LashupCluster
import LashupStore

/// Why a backend could not be published.
public enum LBError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case cluster(ClusterError)
    case store(StoreError)

    public var description: String {
        switch self {
        case let .invalid(reason): reason
        case let .cluster(error): "\(error)"
        case let .store(error): "\(error)"
        }
    }
}

extension LoadBalancer {
    /// Publishes a backend this host runs, or changes its weight (one atomic write; weight 0
    /// drains it). A named VIP new to the cluster gets its address claimed in the same write.
    public func setBackend(_ vip: VIPKey, address: IPAddress, port: UInt16, weight: UInt32 = 1) async throws(LBError) {
        guard port > 0 else { throw .invalid("backend port 0 of \(vip)") }
        if case let .address(target) = vip.target, target.isIPv4 != address.isIPv4 {
            throw .invalid("backend \(address) is not of \(vip)'s address family")
        }
        guard weight <= Backend.maximumWeight else { throw .invalid("weight \(weight) of \(vip): at most \(Backend.maximumWeight)") }
        let key: Key
        do { key = try VIPStoreKeys.key(vip) } catch { throw .store(error) }
        let current = await cluster.value(key)?.store
        let timestamp = VIPStoreKeys.nextTimestamp(after: current, now: Self.wallClock())
        var operations = VIPStoreKeys.operations(setting: Backend(agent: localName, address: address, port: port, weight: weight), timestamp: timestamp)
        if case let .name(name) = vip.target, VIPStoreKeys.claims(current).isEmpty {
            let index = table.namedIndices[name] ?? table.indexForNewName(name)
            if let index { operations += VIPStoreKeys.operations(claiming: index, timestamp: timestamp) }
        }
        do { _ = try await cluster.update(key, operations) } catch { throw .cluster(error) }
    }

    /// Withdraws a backend this host published. Removing the last backend (as this node has
    /// seen the VIP) removes the address claim with it, so the VIP is gone; a backend another
    /// agent added concurrently survives, and its agent claims the address again.
    /// With `drainedSince`, only a backend still drained since then is removed (a weight set
    /// again meanwhile keeps it).
    /// Returns whether it was removed (false: it was not published, or no longer drained).
    @discardableResult
    public func removeBackend(_ vip: VIPKey, address: IPAddress, port: UInt16, drainedSince: UInt64? = nil) async throws(LBError) -> Bool {
        let key: Key
        do { key = try VIPStoreKeys.key(vip) } catch { throw .store(error) }
        let endpoint = Backend.Endpoint(agent: localName, address: address, port: port)
        let current = await cluster.value(key)?.store
        let backends = VIPStoreKeys.backends(current)
        guard backends.contains(where: { $0.endpoint == endpoint }) else { return false }
        if let drainedSince, VIPStoreKeys.drainedSince(current)[endpoint] != drainedSince { return false }
        var operations = VIPStoreKeys.operations(removing: endpoint)
        if backends.allSatisfy({ $0.endpoint == endpoint }) { operations += VIPStoreKeys.operationsRemovingClaim() }
        do { _ = try await cluster.update(key, operations) } catch { throw .cluster(error) }
        return true
    }

    /// Withdraws this host's backends drained (weight 0) for at least `drainTimeout`: their
    /// established connections had that long to end, and a VIP whose backends were all
    /// drained then disappears (the original kept drained backends for ever). Returns how
    /// many were withdrawn.
    @discardableResult
    public func withdrawExpiredDrains() async -> Int {
        let now = Self.wallClock()
        let bound = UInt64(drainTimeout / .nanoseconds(1))
        var withdrawn = 0
        for (vip, backends) in table.backends where backends.contains(where: { $0.agent == localName && $0.weight == 0 }) {
            guard let key = try? VIPStoreKeys.key(vip) else { continue }
            let drained = VIPStoreKeys.drainedSince(await cluster.value(key)?.store)
            for (endpoint, since) in drained where endpoint.agent == localName && now >= since && now - since >= bound {
                do {
                    guard try await removeBackend(vip, address: endpoint.address, port: endpoint.port, drainedSince: since) else { continue }
                    withdrawn += 1
                    logger.notice("load balancer: backend \(endpoint.address):\(endpoint.port) of \(vip) withdrawn after \(drainTimeout) drained")
                } catch {
                    logger.warning("load balancer: cannot withdraw the drained backend \(endpoint.address):\(endpoint.port) of \(vip): \(error)")
                }
            }
        }
        return withdrawn
    }

    /// The backends this host publishes, by VIP.
    public func localBackends() -> [VIPKey: [Backend]] {
        table.backends.compactMapValues { backends in
            let local = backends.filter { $0.agent == localName }
            return local.isEmpty ? nil : local
        }
    }
}
