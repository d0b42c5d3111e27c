/// Joining, rejoining, leaving and HyParView's forward-join walk.
extension MembershipNode {
    mutating func start() {
        guard !started else { return }
        started = true
        shuffleTimer = setTimer(.shuffle, after: jittered(config.shuffleInterval))
        knownProbeTimer = setTimer(.knownMemberProbe, after: jittered(config.knownMemberProbeInterval))
        attemptJoin()
        scheduleMaintenanceSoon()
    }

    /// Sends a join to the next contact (or, failing that, a remembered member) and arms the
    /// join timeout with exponential backoff. A node whose active view is empty keeps doing
    /// this until someone answers.
    mutating func attemptJoin() {
        cancel(joinTimer)
        joinTimer = nil
        guard active.isEmpty, !leaving else { return }
        let candidates = contacts.isEmpty ? known.filter { $0.id != me.id } : contacts
        if let contact = candidates.isEmpty ? nil : candidates[joinAttempts % candidates.count] {
            send(.join(joiner: me), to: contact)
        }
        joinAttempts += 1
        guard !candidates.isEmpty || !passive.isEmpty else { return }
        let backoff = min(config.joinTimeout * (1 << min(joinAttempts - 1, 16)), config.rejoinBackoffMaximum)
        joinTimer = setTimer(.joinTimeout, after: jittered(backoff))
    }

    mutating func onJoinTimeout() {
        joinTimer = nil
        if active.isEmpty { attemptJoin() }
    }

    /// As a contact: admit the joiner (a handshake: it adds us on `joinAccept`) and announce it
    /// on a random walk from every other neighbour; when throttled, point it elsewhere.
    mutating func onJoin(_ joiner: Peer) {
        guard joiner.id != me.id else { return }
        if isActive(joiner.id) {
            send(.joinAccept(passiveSample: sample(passive, count: config.shufflePassiveSample)), to: joiner)
            return
        }
        guard !isQuarantined(joiner.id), throttle.admit(now: now) else {
            statistics.joinsDenied += 1
            send(.joinDeny(alternatives: activeView), to: joiner)
            return
        }
        statistics.joinsAccepted += 1
        addActive(joiner)
        send(.joinAccept(passiveSample: sample(passive, count: config.shufflePassiveSample)), to: joiner)
        let ttl = UInt8(clamping: config.activeRandomWalkLength)
        for neighbor in activeView where neighbor.id != joiner.id {
            send(.forwardJoin(joiner: joiner, ttl: ttl), to: neighbor)
        }
    }

    mutating func onJoinAccept(from contact: Peer, passiveSample: [Peer]) {
        addActive(contact)
        for peer in passiveSample { addPassive(peer) }
        cancel(joinTimer)
        joinTimer = nil
        joinAttempts = 0
    }

    mutating func onJoinDeny(alternatives: [Peer]) {
        for peer in alternatives { addPassive(peer) }
        guard active.isEmpty, let next = randomElement(alternatives.filter { $0.id != me.id }) else { return }
        send(.join(joiner: me), to: next)
    }

    mutating func onForwardJoin(joiner: Peer, ttl: UInt8, from sender: Peer) {
        guard joiner.id != me.id, !isActive(joiner.id) else { return }
        if ttl == 0 || active.count <= 1 {
            // End of the walk: offer the joiner a link. It accepts high-priority requests, and
            // we add it only when it does, so the link is never one-sided.
            requestNeighbor(joiner, priority: .high)
            return
        }
        if Int(ttl) == config.passiveRandomWalkLength { addPassive(joiner) }
        let onward = activeView.filter { $0.id != sender.id && $0.id != joiner.id }
        if let next = randomElement(onward) {
            send(.forwardJoin(joiner: joiner, ttl: ttl - 1), to: next)
        } else {
            requestNeighbor(joiner, priority: .high)
        }
    }

    /// Graceful leave: tell every neighbour, persist, and ignore everything afterwards.
    mutating func leave() {
        guard !leaving else { return }
        for peer in activeView {
            send(.disconnect(leaving: true), to: peer)
        }
        for neighbor in active {
            cancel(neighbor.pingTimer)
            cancel(neighbor.probe?.timer)
            effects.append(.disconnect(neighbor.peer.id))
        }
        for peer in activeView { passive.append(peer) }
        if passive.count > config.passiveViewSize { passive.removeFirst(passive.count - config.passiveViewSize) }
        active.removeAll()
        for timer in [joinTimer, maintenanceTimer, shuffleTimer, knownProbeTimer, persistTimer] { cancel(timer) }
        leaving = true
        persistDirty = true
        persistNow()
    }
}
