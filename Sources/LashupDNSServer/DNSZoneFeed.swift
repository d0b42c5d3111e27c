import Foundation
import LashupCluster
import LashupStore
import Logging

/// Keeps a DNS service's zones equal to the store's zone keys (see `DNSZoneKeys`): the first
/// batch of the change feed holds every zone, each later batch the zones that changed, and
/// the zone table is rebuilt once per batch (a burst of writes is one rebuild). A
/// resynchronised batch (the feed fell behind) holds every zone again and replaces them all.
public struct DNSZoneFeed: Sendable {
    /// Most zones served (far more than any cluster uses; beyond, the rest is logged).
    public static let maximumZones = 10_000

    let cluster: any Cluster
    let service: DNSService
    let logger: Logger

    public init(cluster: any Cluster, service: DNSService, logger: Logger) {
        self.cluster = cluster
        self.service = service
        self.logger = logger
    }

    /// Opens the feed and publishes every zone the store holds, so the first query already
    /// sees them; `follow` then applies the changes.
    public func load() async throws(ClusterError) -> Following {
        let changes = try await cluster.changes(matching: DNSZoneKeys.pattern)
        var following = Following(iterator: changes.makeAsyncIterator(), zones: [:])
        if let first = await following.iterator.next() { apply(first, to: &following.zones) }
        publish(following.zones)
        return following
    }

    /// Applies changes until the task is cancelled or the node stops.
    public func follow(_ loaded: Following) async {
        var following = loaded
        while let batch = await following.iterator.next() {
            apply(batch, to: &following.zones)
            publish(following.zones)
        }
    }

    /// A feed being followed and the zones it has built so far.
    public struct Following: Sendable {
        var iterator: KeyChanges.Iterator
        var zones: [String: [String]]
    }

    func apply(_ batch: SubscriptionBatch, to zones: inout [String: [String]]) {
        if batch.resynchronised { zones.removeAll() }
        for change in batch.changes {
            guard let zone = DNSZoneKeys.zone(of: change.key) else { continue }
            let records = DNSZoneKeys.records(change.value)
            if records.isEmpty {
                zones[zone] = nil
            } else if zones[zone] != nil || zones.count < Self.maximumZones {
                zones[zone] = records
            } else {
                logger.warning("more than \(Self.maximumZones) DNS zones in the store; \(zone) is not served")
            }
        }
    }

    func publish(_ zones: [String: [String]]) {
        let serial = UInt32(clamping: Int(Date().timeIntervalSince1970))
        service.replaceStoreZones(zones, serial: serial)
    }
}
