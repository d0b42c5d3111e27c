import LashupMembership
import LashupWire

/// The global membership table: publishing this node's record, applying others', digest
/// reconciliation with new neighbours, routes and expiry (probes: `GossipNode+Islands`).
extension GossipNode {
    /// Publishes a new version of this node's record when its active view changed, at most
    /// once per `minimumPublishInterval`.
    mutating func publishIfViewChanged() {
        guard viewDirty else { return }
        // While a publish is already due, every path below does nothing: skip sorting the view
        // (this runs after every input, and a busy node stays rate-limited for a while).
        if publishTimer != nil, let last = lastPublishedAt, now - last < config.minimumPublishInterval { return }
        let view = membership.activeView.map(\.id).sorted()
        guard membership.activeView.count > 0 || publishedView != nil, view != publishedView else { return }
        if let last = lastPublishedAt, now - last < config.minimumPublishInterval {
            if publishTimer == nil { armPublish(at: last + config.minimumPublishInterval) }
            return
        }
        publishOwnRecord(leaving: false)
    }

    mutating func publishOwnRecord(leaving: Bool) {
        viewDirty = false
        version += 1
        lastPublishedAt = now
        let view = membership.activeView.map(\.id).sorted()
        publishedView = view
        let record = MemberRecord(peer: me, incarnation: incarnation, version: version, activeView: view, metadata: config.metadata, leaving: leaving)
        apply(record)
        if let (_, gossipEffects) = try? plumtree.broadcast(topic: membershipTopic, payload: record.encodedBytes(), now: now) {
            absorb(gossipEffects)
        }
    }

    /// Keeps the newest record of each node. A record about this node that is newer than the
    /// one it published (a stale identity elsewhere) is refuted with a higher version.
    mutating func apply(_ record: MemberRecord) {
        if let existing = records[record.id], !record.supersedes(existing) { return }
        if record.id == me.id && record.incarnation == incarnation && record.version > version && !leaving {
            version = record.version
            publishOwnRecord(leaving: false)
            return
        }
        if records[record.id] == nil { newRecordsSinceRoutes.append(record.id) }
        for index in contacts.indices where contacts[index].address == record.peer.address && contactOwners[index] != record.id {
            contactOwners[index] = record.id
            splitEvidenceStale = true
        }
        // Only unreachable nodes' records feed the split evidence.
        if !reachable.contains(record.id) { splitEvidenceStale = true }
        records[record.id] = record
        graph.setEdges(from: record.id, to: record.leaving ? [] : record.activeView)
        for node in record.activeView where records[node] == nil { _ = graph.number(node) }
        shareNames(of: record)
        scheduleRoutes()
    }

    /// Makes the stored record's ids share their names' storage with the routing graph's.
    /// Each decoded record brings its own copy of every name in its view: a host name over
    /// 15 bytes is a heap string (shorter ones are stored inline and gain nothing), six of
    /// them per member. With the lazy-link masks this took `lashup bench membership` at
    /// 10 000 members from 20.5 MiB to 15.0 MiB.
    private mutating func shareNames(of record: MemberRecord) {
        let inline = 15
        guard record.id.name.utf8.count > inline || record.activeView.contains(where: { $0.name.utf8.count > inline }) else { return }
        let view = record.activeView.map { node in graph.number(of: node).map { graph.ids[$0] } ?? node }
        let id = graph.number(of: record.id).map { graph.ids[$0] } ?? record.id
        records[record.id]?.activeView = view
        records[record.id]?.peer = Peer(id: id, address: record.peer.address)
    }

    /// Sends what this node holds, one entry per member, to a new neighbour. The receiver
    /// reads the entries into a table, so their order only has to be deterministic: sorting
    /// by name cost 5 % of a forming 1 000-node simulation, where every new link sends one.
    mutating func sendDigest(to peer: Peer) {
        let digest = records.values
            .map { MemberDigestEntry(id: $0.id, incarnation: $0.incarnation, version: $0.version) }
            .sorted { $0.id.precedesInDigestOrder($1.id) }
        effects.append(.send(to: peer, .sync(.digest(digest))))
    }

    /// Sends the records the peer lacks or holds in an older version, in bounded chunks.
    mutating func answerDigest(_ entries: [MemberDigestEntry], to peer: Peer) {
        var theirs: [NodeID: (UInt64, UInt64)] = [:]
        for entry in entries { theirs[entry.id] = (entry.incarnation, entry.version) }
        let newer = records.values.filter { record in
            guard let known = theirs[record.id] else { return true }
            return (record.incarnation, record.version) > known
        }
        // Sorted by id through their positions: moving whole records at each step of the
        // sort cost more than comparing their ids.
        let order = newer.indices.sorted { newer[$0].id < newer[$1].id }
        var start = 0
        while start < order.count {
            let chunk = order[start..<min(start + config.maximumRecordsPerSync, order.count)].map { newer[$0] }
            effects.append(.send(to: peer, .sync(.records(chunk))))
            start += chunk.count
        }
    }

    mutating func scheduleRoutes() {
        guard routeTimer == nil else { return }
        armRoutes()
    }

    /// Recomputes reachability and reports what changed, only if something did.
    mutating func recomputeRoutes() {
        var current = distanceByNumber
        graph.refreshDistances(&current, from: me.id)
        var lost: [NodeID] = []
        var gained: [NodeID] = []
        var distancesChanged = false
        for number in current.indices {
            let before = number < distanceByNumber.count ? distanceByNumber[number] : -1
            guard before != current[number] else { continue }
            distancesChanged = true
            guard (before >= 0) != (current[number] >= 0) else { continue }
            let node = graph.ids[number]
            if current[number] >= 0 {
                gained.append(node)
                reachable.insert(node)
                unreachableSince[node] = nil
            } else {
                lost.append(node)
                reachable.remove(node)
            }
        }
        distanceByNumber = current
        if !lost.isEmpty || !gained.isEmpty { splitEvidenceStale = true }
        // Only a node that just lost its route, or whose record is new, can be an unreachable
        // member not yet marked (walking every record here cost as much as the routes).
        for node in lost + newRecordsSinceRoutes where records[node] != nil && !reachable.contains(node) && unreachableSince[node] == nil {
            unreachableSince[node] = now
            splitEvidenceStale = true
        }
        // A node can be reachable (through others' views) before its own record arrives;
        // when it does, the member table gains a row, which services must hear about too.
        let tableGrew = !newRecordsSinceRoutes.isEmpty
        newRecordsSinceRoutes.removeAll(keepingCapacity: true)
        lost.sort()
        gained.sort()
        if !lost.isEmpty || !gained.isEmpty {
            effects.append(.event(.reachabilityChanged(nowUnreachable: lost, nowReachable: gained)))
            resetProbeBackoff()
        }
        if distancesChanged || tableGrew { effects.append(.event(.routesChanged)) }
        evaluateSplit()
    }

    /// Drops records of nodes unreachable for longer than the expiry (left nodes included).
    mutating func expireRecords() {
        for (node, since) in unreachableSince where now - since > config.recordExpiry {
            records[node] = nil
            unreachableSince[node] = nil
            graph.clearEdges(from: node)
            splitEvidenceStale = true
        }
    }
}
