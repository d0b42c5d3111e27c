/// Routes each message and timer to its handler.
extension MembershipNode {
    mutating func receive(_ message: MembershipMessage, from sender: Peer) {
        guard sender.id != me.id else { return }
        if case .ping = message {} else { heardFrom(sender.id) }
        switch message {
        case let .join(joiner):
            onJoin(joiner)
        case let .joinAccept(passiveSample):
            onJoinAccept(from: sender, passiveSample: passiveSample)
        case let .joinDeny(alternatives):
            onJoinDeny(alternatives: alternatives)
        case let .forwardJoin(joiner, ttl):
            onForwardJoin(joiner: joiner, ttl: ttl, from: sender)
        case let .neighbor(requester, priority):
            onNeighborRequest(from: requester.id == sender.id ? requester : sender, priority: priority)
        case .neighborAccept:
            onNeighborAccept(from: sender)
        case let .neighborReject(passiveSample):
            onNeighborReject(from: sender, passiveSample: passiveSample)
        case let .disconnect(leaving):
            onDisconnect(from: sender, leaving: leaving)
        case let .shuffle(origin, sample, ttl, id):
            onShuffle(origin: origin, sample: sample, ttl: ttl, id: id, from: sender)
        case let .shuffleReply(sample, id):
            onShuffleReply(sample: sample, id: id)
        case let .ping(sequence):
            onPing(sequence, from: sender)
        case let .pong(sequence, isNeighbor):
            onPong(sequence, isNeighbor: isNeighbor, from: sender)
        case let .pingRequest(target, sequence):
            onPingRequest(target: target, sequence: sequence, from: sender)
        case let .pingRequestResult(target, sequence, alive):
            onPingRequestResult(target: target, sequence: sequence, alive: alive, from: sender)
        }
    }

    mutating func fire(_ timer: TimerID) {
        switch timer.kind {
        case let .ping(node): onPingTimer(node, timer: timer)
        case let .pingTimeout(node): onPingTimeout(node, timer: timer)
        case let .indirectTimeout(node): onIndirectTimeout(node, timer: timer)
        case let .neighborRequestTimeout(node): onNeighborRequestTimeout(node, timer: timer)
        case let .relayTimeout(sequence): onRelayTimeout(sequence, timer: timer)
        case .joinTimeout:
            guard joinTimer == timer else { return staleTimer() }
            onJoinTimeout()
        case .maintenance:
            guard maintenanceTimer == timer else { return staleTimer() }
            onMaintenance()
        case .shuffle:
            guard shuffleTimer == timer else { return staleTimer() }
            onShuffleTimer()
        case .knownMemberProbe:
            guard knownProbeTimer == timer else { return staleTimer() }
            onKnownMemberProbe()
        case .persist:
            guard persistTimer == timer else { return staleTimer() }
            persistNow()
        }
    }

    private mutating func staleTimer() { statistics.staleTimers += 1 }
}
