/// The failure detector on active links.
///
/// Each neighbour is pinged every `pingInterval` (jittered). A ping that misses its timeout
/// (SRTT + 4·RTTVAR, stretched by local health) is retried directly and through
/// `indirectProbeCount` other neighbours (SWIM ping-req). Only after
/// `probeRoundsBeforeEviction` rounds without any sign of life is the neighbour evicted. A
/// neighbour that answers only indirectly for `directMissesBeforeLinkDrop` pings in a row is
/// alive but unreachable from here (an asymmetric partition): its link is replaced, and it is
/// not reported failed.
extension MembershipNode {
    func probeTimeout(for neighbor: Neighbor) -> Duration {
        health.stretch(neighbor.rtt.timeout(
            minimum: config.minimumPingTimeout, maximum: config.maximumPingTimeout, initial: config.initialPingTimeout
        ))
    }

    mutating func onPingTimer(_ node: NodeID, timer: TimerID) {
        guard let index = activeIndex(node), active[index].pingTimer == timer else {
            statistics.staleTimers += 1
            return
        }
        noteLateness(of: timer)
        active[index].pingTimer = setTimer(.ping(node), after: jittered(config.pingInterval))
        if active[index].probe == nil { startProbe(at: index) }
    }

    mutating func startProbe(at index: Int) {
        let sequence = newSequence()
        let node = active[index].peer.id
        let timer = setTimer(.pingTimeout(node), after: probeTimeout(for: active[index]))
        active[index].probe = Neighbor.Probe(sequence: sequence, sentAt: now, phase: .direct, timer: timer)
        statistics.pingsSent += 1
        send(.ping(sequence: sequence), to: active[index].peer)
    }

    /// The neighbour whose running probe `timer` belongs to, or `nil` for a stale timer. A
    /// timer that fired late means this node was not running when the answer was due, so it
    /// says nothing about the neighbour: the probe starts over and `nil` is returned.
    mutating func probedNeighbor(_ node: NodeID, timer: TimerID) -> (index: Int, probe: Neighbor.Probe)? {
        guard let index = activeIndex(node), let probe = active[index].probe, probe.timer == timer else {
            statistics.staleTimers += 1
            return nil
        }
        if noteLateness(of: timer) {
            active[index].probe = nil
            startProbe(at: index)
            return nil
        }
        return (index, probe)
    }

    mutating func onPingTimeout(_ node: NodeID, timer: TimerID) {
        guard let (index, probe) = probedNeighbor(node, timer: timer) else { return }
        switch probe.phase {
        case .direct:
            active[index].directMisses += 1
            let helpers = chooseHelpers(excluding: node)
            let wait = probeTimeout(for: active[index]) * 2
            let indirectTimer = setTimer(.indirectTimeout(node), after: wait)
            var indirect = Neighbor.Probe(sequence: probe.sequence, sentAt: probe.sentAt, phase: .indirect, timer: indirectTimer)
            indirect.helpersAsked = helpers.count
            active[index].probe = indirect
            // Retry directly too: a lost ping or pong should not cost a round.
            statistics.pingsSent += 1
            send(.ping(sequence: probe.sequence), to: active[index].peer)
            for helper in helpers {
                statistics.indirectProbesSent += 1
                send(.pingRequest(target: active[index].peer, sequence: probe.sequence), to: helper)
            }
        case .indirect:
            break
        }
    }

    mutating func onIndirectTimeout(_ node: NodeID, timer: TimerID) {
        guard let (index, probe) = probedNeighbor(node, timer: timer) else { return }
        if probe.helperAnswers == 0 && probe.helpersAsked > 0 && !answeredRecently(since: probe.sentAt, excluding: node) {
            // Nobody answered at all, and no other neighbour has answered us lately: this
            // node may be the one cut off. (Helpers that crashed with the target are silent
            // too; counting them made a node that lost six of seven neighbours at once
            // stretch its timeouts sixfold and evict the rest late.)
            health.worsen()
        }
        active[index].probe = nil
        active[index].missedRounds += 1
        if active[index].missedRounds >= config.probeRoundsBeforeEviction {
            statistics.evictionsFailed += 1
            let peer = active[index].peer
            send(.disconnect(leaving: false), to: peer)
            removeActive(node, reason: .failed, toPassive: true)
        } else {
            startProbe(at: index)
        }
    }

    /// Up to `indirectProbeCount` other neighbours to ask for a ping-req, preferring those
    /// not being probed themselves: a neighbour whose own ping went unanswered may have
    /// crashed along with the target, and a dead helper only wastes the round.
    mutating func chooseHelpers(excluding node: NodeID) -> [Peer] {
        let others = active.filter { $0.peer.id != node }
        let sound = others.filter { $0.probe == nil && $0.missedRounds == 0 }.map(\.peer)
        var helpers = sample(sound, count: config.indirectProbeCount)
        if helpers.count < config.indirectProbeCount {
            let rest = others.filter { !($0.probe == nil && $0.missedRounds == 0) }.map(\.peer)
            helpers += sample(rest, count: config.indirectProbeCount - helpers.count)
        }
        return helpers
    }

    /// Whether a neighbour other than `node` answered a request of ours within a ping
    /// interval before `instant` or since.
    func answeredRecently(since instant: Instant, excluding node: NodeID) -> Bool {
        active.contains { neighbor in
            guard neighbor.peer.id != node, let answered = neighbor.lastAnswered else { return false }
            return answered + config.pingInterval >= instant
        }
    }

    /// Anything heard from a neighbour proves it alive.
    mutating func heardFrom(_ node: NodeID) {
        if let index = activeIndex(node) { active[index].missedRounds = 0 }
    }

    mutating func onPing(_ sequence: UInt64, from peer: Peer) {
        heardFrom(peer.id)
        send(.pong(sequence: sequence, isNeighbor: isActive(peer.id)), to: peer)
    }

    mutating func onPong(_ sequence: UInt64, isNeighbor: Bool, from peer: Peer) {
        if let relay = relays[sequence], relay.target == peer.id {
            relays[sequence] = nil
            cancel(relay.timer)
            send(.pingRequestResult(target: peer.id, sequence: relay.requesterSequence, alive: true), to: relay.requester)
            return
        }
        guard let index = activeIndex(peer.id) else { return }
        active[index].lastAnswered = now
        if !isNeighbor {
            // The peer no longer holds us: the link is one-sided, so drop our half.
            removeActive(peer.id, reason: .disconnected, toPassive: true)
            return
        }
        guard let probe = active[index].probe, probe.sequence == sequence else { return }
        if probe.phase == .direct { active[index].rtt.record(now - probe.sentAt) }
        cancel(probe.timer)
        active[index].probe = nil
        active[index].missedRounds = 0
        active[index].directMisses = 0
        health.improve()
    }

    /// Someone asks us to probe `target` on its behalf.
    mutating func onPingRequest(target: Peer, sequence: UInt64, from requester: Peer) {
        guard target.id != me.id else {
            send(.pingRequestResult(target: me.id, sequence: sequence, alive: true), to: requester)
            return
        }
        guard relays.count < config.maximumRelays else {
            statistics.relaysRefused += 1
            return
        }
        let relaySequence = newSequence()
        let timer = setTimer(.relayTimeout(relaySequence), after: health.stretch(config.relayTimeout))
        relays[relaySequence] = Relay(requester: requester, target: target.id, requesterSequence: sequence, timer: timer)
        send(.ping(sequence: relaySequence), to: target)
    }

    mutating func onRelayTimeout(_ relaySequence: UInt64, timer: TimerID) {
        guard let relay = relays[relaySequence], relay.timer == timer else {
            statistics.staleTimers += 1
            return
        }
        relays[relaySequence] = nil
        send(.pingRequestResult(target: relay.target, sequence: relay.requesterSequence, alive: false), to: relay.requester)
    }

    mutating func onPingRequestResult(target: NodeID, sequence: UInt64, alive: Bool, from helper: Peer) {
        if let helperIndex = activeIndex(helper.id) { active[helperIndex].lastAnswered = now }
        guard let index = activeIndex(target), var probe = active[index].probe, probe.sequence == sequence else { return }
        probe.helperAnswers += 1
        active[index].probe = probe
        guard alive else { return }
        cancel(probe.timer)
        active[index].probe = nil
        active[index].missedRounds = 0
        if active[index].directMisses >= config.directMissesBeforeLinkDrop {
            statistics.linksDroppedBroken += 1
            quarantine(target)
            send(.disconnect(leaving: false), to: active[index].peer)
            removeActive(target, reason: .linkBroken, toPassive: true)
        }
    }

    /// Whether `timer` fired well after its deadline: a sign this node was paused or starved.
    /// Raises the local-health score, which stretches every timeout that follows.
    @discardableResult
    mutating func noteLateness(of timer: TimerID) -> Bool {
        if now - timer.deadline > config.lateTimerThreshold {
            statistics.lateTimers += 1
            health.worsen()
            return true
        }
        return false
    }
}
