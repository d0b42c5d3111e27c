import LashupMembership

/// Finding and merging islands: parts of the overlay that are alive and connected among
/// themselves but not to this node's component.
///
/// HyParView alone can leave an island for good. A contact that was not up yet when others
/// joined through it gets joined by a few nodes, stops joining anybody itself (its active
/// view is no longer empty), and those nodes know only each other: nobody on either side
/// holds a record, a passive entry or a known member from the other side, so neither the
/// shuffle nor the maintenance of views can ever cross over. The probe therefore asks, at high
/// priority (always accepted), any node this one has heard of by *any* means that its routes
/// say is unreachable: members in the global table, the configured contacts, and the overlay's
/// remembered members. Contacts are what every node shares, so an island always has a way out.
extension GossipNode {
    /// Sends one high-priority neighbour request to a random unreachable node this one knows
    /// of. While there is evidence of a split (see `OverlaySplit`) it keeps asking at the base
    /// interval until the pieces merge. Otherwise the unreachable nodes look like lone
    /// failures, and the interval doubles with every probe up to
    /// `partitionProbeMaximumInterval`, so a dead member remembered for a day costs little;
    /// any change of reachability, or new evidence of a split, brings it back to the base.
    mutating func probeUnreachable() {
        let candidates = probeCandidates()
        guard !candidates.isEmpty else { return }
        let target = candidates[Int(random.next() % UInt64(candidates.count))]
        probesSent += 1
        probeBackoff = splitEvidenceSince == nil ? min(probeBackoff + 1, 16) : 0
        absorb(membership.handle(.requestNeighbor(target, .high), now: now))
    }

    /// Every node heard of and not reachable, in a stable order: unreachable members of the
    /// table (not leaving), contacts, and the overlay's known members without a record.
    func probeCandidates() -> [Peer] {
        var seen: Set<NodeID> = [me.id]
        var candidates: [Peer] = []
        for node in unreachableSince.keys {
            guard let record = records[node], !record.leaving else { continue }
            seen.insert(node)
            candidates.append(record.peer)
        }
        // A contact whose member is known was dealt with above, through its record.
        let contactsAway = unreachableContacts().filter { contactOwners[$0] == nil }.map { contacts[$0] }
        for peer in contactsAway + membership.knownMembers where !reachable.contains(peer.id) && records[peer.id] == nil {
            guard seen.insert(peer.id).inserted else { continue }
            candidates.append(peer)
        }
        return candidates.sorted { $0.id < $1.id }
    }

    /// Indices of the contacts not reachable from here: neither its own id nor the member that
    /// advertises its address is reachable.
    func unreachableContacts() -> [Int] {
        contacts.indices.filter { index in
            if reachable.contains(contacts[index].id) { return false }
            guard let owner = contactOwners[index] else { return true }
            return owner != me.id && !reachable.contains(owner) && records[owner]?.leaving != true
        }
    }

    /// The probe interval after `probeBackoff` fruitless probes.
    var probeInterval: Duration {
        var interval = config.partitionProbeInterval
        for _ in 0..<probeBackoff where interval < config.partitionProbeMaximumInterval {
            interval = interval * 2
        }
        return min(interval, config.partitionProbeMaximumInterval)
    }

    /// Called when reachability changed: probing goes back to its base rate, and a probe
    /// that was pushed far out by the backoff is brought forward.
    mutating func resetProbeBackoff() {
        guard probeBackoff > 0 else { return }
        probeBackoff = 0
        if let timer = probeTimer, timer.deadline > now + config.partitionProbeInterval.scaled(by: 1.25), !leaving {
            armProbe()
        }
    }

    // MARK: - Detecting a split

    /// The evidence of a split as of now (see `OverlaySplit`), or nil when there is none.
    func splitEvidence() -> (contacts: [NodeID], linked: [NodeID])? {
        let contactsAway = unreachableContacts().map { contactOwners[$0] ?? contacts[$0].id }.sorted()
        var linked: [NodeID] = []
        // `unreachableSince` holds exactly the unreachable members of the table: walking it
        // rather than every record keeps this cheap enough to run after each route change.
        for node in unreachableSince.keys {
            guard let record = records[node], !record.leaving else { continue }
            let linkedToAnother = record.activeView.contains { other in
                guard other != record.id, !reachable.contains(other), let peerRecord = records[other], !peerRecord.leaving else { return false }
                return peerRecord.activeView.contains(record.id)
            }
            if linkedToAnother { linked.append(record.id) }
        }
        guard !contactsAway.isEmpty || !linked.isEmpty else { return nil }
        return (contactsAway, linked.sorted())
    }

    /// Starts or ends a split episode. Evidence must hold for `splitReportDelay` before the
    /// split is reported (joins and single failures pass through such states briefly); the
    /// end is reported as soon as the evidence is gone. One event per transition.
    mutating func evaluateSplit() {
        guard !leaving else { return }
        if splitEvidenceStale {
            splitEvidenceCache = splitEvidence()
            splitEvidenceStale = false
        }
        guard let evidence = splitEvidenceCache else {
            splitEvidenceSince = nil
            if let ended = overlaySplit {
                overlaySplit = nil
                effects.append(.event(.overlayWhole(splitFor: now - ended.since)))
            }
            return
        }
        if splitEvidenceSince == nil { resetProbeBackoff() }
        let since = splitEvidenceSince ?? now
        splitEvidenceSince = since
        if overlaySplit != nil {
            overlaySplit?.unreachableContacts = evidence.contacts
            overlaySplit?.unreachableLinkedMembers = evidence.linked
        } else if now - since >= config.splitReportDelay {
            let split = OverlaySplit(unreachableContacts: evidence.contacts, unreachableLinkedMembers: evidence.linked, since: since)
            overlaySplit = split
            splitEpisodes += 1
            effects.append(.event(.overlaySplit(split)))
        }
    }
}
