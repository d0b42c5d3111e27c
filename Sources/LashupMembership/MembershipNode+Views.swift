/// Moving peers between the active and passive views. Every path into the active view goes
/// through `addActive`, and the callers only call it as part of a handshake (join accepted,
/// neighbour request accepted), which keeps links symmetric.
extension MembershipNode {
    /// Adds `peer` to the active view, displacing a random neighbour if full.
    mutating func addActive(_ peer: Peer) {
        guard peer.id != me.id, !isActive(peer.id) else { return }
        if active.count >= config.activeViewSize, let victim = randomElement(active.map(\.peer)) {
            send(.disconnect(leaving: false), to: victim)
            removeActive(victim.id, reason: .disconnected, toPassive: true)
        }
        passive.removeAll { $0.id == peer.id }
        var neighbor = Neighbor(peer: peer)
        // Ping from the first second, at a random point of the interval.
        neighbor.pingTimer = setTimer(.ping(peer.id), after: config.pingInterval.scaled(by: random.unit()))
        active.append(neighbor)
        remember(peer)
        markPersistDirty()
        effects.append(.event(.neighborUp(peer)))
    }

    /// Removes `node` from the active view; optionally keeps it as a passive candidate.
    mutating func removeActive(_ node: NodeID, reason: NeighborDownReason, toPassive: Bool) {
        guard let index = activeIndex(node) else { return }
        let neighbor = active.remove(at: index)
        cancel(neighbor.pingTimer)
        cancel(neighbor.probe?.timer)
        effects.append(.disconnect(node))
        effects.append(.event(.neighborDown(neighbor.peer, reason: reason)))
        if toPassive { addPassive(neighbor.peer) }
        scheduleMaintenanceSoon()
    }

    /// Adds `peer` to the passive view unless it is this node, active, or already there;
    /// when full, evicts one of `preferEvicting` if possible, else a random entry.
    mutating func addPassive(_ peer: Peer, preferEvicting: [Peer] = []) {
        guard peer.id != me.id, !isActive(peer.id), !passive.contains(where: { $0.id == peer.id }) else { return }
        if passive.count >= config.passiveViewSize {
            if let index = passive.firstIndex(where: { candidate in preferEvicting.contains { $0.id == candidate.id } }) {
                passive.remove(at: index)
            } else {
                passive.remove(at: Int(random.next() % UInt64(passive.count)))
            }
        }
        passive.append(peer)
        remember(peer)
        markPersistDirty()
    }

    mutating func removePassive(_ node: NodeID) {
        let before = passive.count
        passive.removeAll { $0.id == node }
        if passive.count != before { markPersistDirty() }
    }

    /// Records a peer for rejoining after a restart; oldest forgotten first.
    mutating func remember(_ peer: Peer) {
        if let index = known.firstIndex(where: { $0.id == peer.id }) { known.remove(at: index) }
        known.append(peer)
        if known.count > config.knownMembersLimit { known.removeFirst(known.count - config.knownMembersLimit) }
    }

    mutating func forget(_ node: NodeID) {
        known.removeAll { $0.id == node }
        removePassive(node)
    }

    // MARK: - Quarantine of broken links

    /// Remembers that the direct link to `node` is broken (an asymmetric partition), so the
    /// two sides do not keep re-forming a link only one of them can use.
    mutating func quarantine(_ node: NodeID) {
        quarantined.removeAll { $0.node == node }
        quarantined.append((node, now + config.brokenLinkQuarantine))
        if quarantined.count > config.maximumQuarantined { quarantined.removeFirst() }
    }

    mutating func isQuarantined(_ node: NodeID) -> Bool {
        quarantined.removeAll { $0.until <= now }
        return quarantined.contains { $0.node == node }
    }

    // MARK: - Persistence

    mutating func markPersistDirty() {
        persistDirty = true
        if persistTimer == nil && started {
            persistTimer = setTimer(.persist, after: config.persistInterval)
        }
    }

    mutating func persistNow() {
        persistTimer = nil
        guard persistDirty else { return }
        persistDirty = false
        effects.append(.persist(MembershipSnapshot(passiveView: passive, knownMembers: known)))
    }
}
