import LashupCluster
import LashupCRDT
import LashupGossip
import LashupMembership
import LashupStore

extension LashupNode {
    /// Every member this node knows of, itself included, as services see them: the global
    /// table's records, reachability and tree distance, joined with each member's published
    /// metadata from the store. Sorted by name.
    public func memberSnapshots() -> [MemberSnapshot] {
        let tree = gossip.tree()
        var records = gossip.records
        if records[me.id] == nil {
            records[me.id] = MemberRecord(peer: me, incarnation: gossip.incarnation, version: 0, activeView: [])
        }
        return records.values.map { record in
            let isSelf = record.id == me.id
            let metadataKey = try? NodeMetadata.key(of: record.id.name)
            return MemberSnapshot(
                name: record.id.name, address: record.peer.address, incarnation: record.incarnation,
                reachable: isSelf || gossip.isReachable(record.id),
                distance: isSelf ? 0 : tree[record.id]?.distance,
                leaving: record.leaving, isSelf: isSelf,
                metadata: NodeMetadata(metadataKey.flatMap(liveValue))
            )
        }.sorted { $0.name < $1.name }
    }

    /// This node as services see it, with the metadata it published.
    public func localNode() -> LocalNode {
        let metadata = (try? NodeMetadata.key(of: me.id.name)).flatMap(liveValue)
        return LocalNode(name: me.id.name, incarnation: gossip.incarnation, address: me.address, metadata: NodeMetadata(metadata))
    }

    /// The value of `key`, or nil when absent or deleted.
    public func liveValue(_ key: Key) -> Causal<ORMap>? {
        let value = space.value(key)
        return value.store.isEmpty ? nil : value
    }
}
