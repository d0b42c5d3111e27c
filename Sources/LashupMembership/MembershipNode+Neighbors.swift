/// Neighbour requests (the handshake into an active view) and active-view maintenance.
extension MembershipNode {
    /// Asks `peer` to become a neighbour; it joins our active view when it accepts.
    mutating func requestNeighbor(_ peer: Peer, priority: NeighborPriority) {
        guard peer.id != me.id, !isActive(peer.id), !isQuarantined(peer.id),
              !pendingRequests.contains(where: { $0.peer.id == peer.id }),
              pendingRequests.count < config.activeViewSize else { return }
        statistics.neighborRequestsSent += 1
        let timer = setTimer(.neighborRequestTimeout(peer.id), after: health.stretch(config.neighborRequestTimeout))
        pendingRequests.append(PendingNeighborRequest(peer: peer, priority: priority, timer: timer))
        send(.neighbor(requester: me, priority: priority), to: peer)
    }

    mutating func onNeighborRequest(from requester: Peer, priority: NeighborPriority) {
        guard requester.id != me.id else { return }
        if isActive(requester.id) {
            send(.neighborAccept, to: requester)
            return
        }
        if isQuarantined(requester.id) {
            statistics.neighborRequestsRejected += 1
            send(.neighborReject(passiveSample: []), to: requester)
        } else if priority == .high || active.count < config.activeViewSize {
            addActive(requester)
            send(.neighborAccept, to: requester)
            // A crossing request of ours to the same peer is now answered by this handshake.
            resolvePending(requester.id)
        } else {
            statistics.neighborRequestsRejected += 1
            addPassive(requester)
            send(.neighborReject(passiveSample: sample(passive, count: config.shufflePassiveSample)), to: requester)
        }
    }

    /// The peer added us, so we add it: even when the request timed out meanwhile, or our view
    /// filled up (someone is displaced), the link stays symmetric.
    mutating func onNeighborAccept(from peer: Peer) {
        resolvePending(peer.id)
        addActive(peer)
        if joinTimer != nil {
            cancel(joinTimer)
            joinTimer = nil
            joinAttempts = 0
        }
    }

    mutating func onNeighborReject(from peer: Peer, passiveSample: [Peer]) {
        resolvePending(peer.id)
        for candidate in passiveSample { addPassive(candidate) }
        scheduleMaintenanceSoon()
    }

    /// An unanswered request: the target is presumably gone, so it leaves the passive view.
    mutating func onNeighborRequestTimeout(_ node: NodeID, timer: TimerID) {
        guard let index = pendingRequests.firstIndex(where: { $0.timer == timer }) else {
            statistics.staleTimers += 1
            return
        }
        pendingRequests.remove(at: index)
        removePassive(node)
        scheduleMaintenanceSoon()
    }

    mutating func resolvePending(_ node: NodeID) {
        if let index = pendingRequests.firstIndex(where: { $0.peer.id == node }) {
            cancel(pendingRequests[index].timer)
            pendingRequests.remove(at: index)
        }
    }

    /// Tops the active view up from the passive view: quickly while it is below three
    /// quarters full, slowly while it is nearly full, and through the contacts when both
    /// views are empty.
    mutating func onMaintenance() {
        maintenanceTimer = nil
        if active.count < config.activeViewSize {
            let priority: NeighborPriority = active.isEmpty ? .high : .low
            let budget = config.maximumPendingNeighborRequests - pendingRequests.count
            let candidates = passive.filter { peer in
                !pendingRequests.contains { $0.peer.id == peer.id } && !isQuarantined(peer.id)
            }
            for peer in sample(candidates, count: max(0, budget)) {
                requestNeighbor(peer, priority: priority)
            }
            if active.isEmpty && joinTimer == nil {
                attemptJoin()
            }
        }
        let interval = active.count < activeLowWater ? config.maintenanceInterval : config.maintenanceInterval * 10
        maintenanceTimer = setTimer(.maintenance, after: jittered(interval))
    }

    /// Asks one remembered or passive member to be a neighbour. While the active view is
    /// below its low-water mark the request is high priority: a small island (say two nodes
    /// linked to each other after a partition) next to a cluster whose active views are all
    /// full would otherwise be rejected by everyone forever. A full target takes the request
    /// by moving one neighbour to its passive view, which that neighbour refills at low
    /// priority, so the escalation cannot cascade.
    mutating func onKnownMemberProbe() {
        knownProbeTimer = setTimer(.knownMemberProbe, after: jittered(config.knownMemberProbeInterval))
        guard !active.isEmpty, active.count < config.activeViewSize else { return }
        let starved = active.count < activeLowWater
        let pool = starved ? known + passive.filter { peer in !known.contains { $0.id == peer.id } } : known
        let candidates = pool.filter { peer in
            peer.id != me.id && !isActive(peer.id) && !isQuarantined(peer.id)
                && (starved || !passive.contains { $0.id == peer.id })
                && !pendingRequests.contains { $0.peer.id == peer.id }
        }
        if let peer = randomElement(candidates) { requestNeighbor(peer, priority: starved ? .high : .low) }
    }

    /// Below this many neighbours the node maintains its active view urgently.
    var activeLowWater: Int { (config.activeViewSize * 3 + 3) / 4 }

    /// Brings the next maintenance round forward after a neighbour is lost.
    mutating func scheduleMaintenanceSoon() {
        guard started, !leaving else { return }
        cancel(maintenanceTimer)
        maintenanceTimer = setTimer(.maintenance, after: config.maintenanceInterval.scaled(by: 0.1 * random.unit()))
    }

    mutating func onDisconnect(from peer: Peer, leaving: Bool) {
        resolvePending(peer.id)
        if leaving {
            removeActive(peer.id, reason: .left, toPassive: false)
            forget(peer.id)
        } else {
            removeActive(peer.id, reason: .disconnected, toPassive: true)
        }
    }

    mutating func connectionLost(_ node: NodeID) {
        resolvePending(node)
        removeActive(node, reason: .connectionLost, toPassive: true)
    }
}
