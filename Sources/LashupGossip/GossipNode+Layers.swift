import LashupMembership
import LashupWire

/// Routing messages and timers to the layers, and translating their effects.
extension GossipNode {
    mutating func receive(_ message: NodeMessage, from sender: Peer) {
        switch message {
        case let .membership(message):
            absorb(membership.handle(.message(from: sender, message), now: now))
        case let .gossip(message):
            if case let .gossip(_, topic, _, _) = message, topic != membershipTopic { applicationPayloadsReceived += 1 }
            absorb(plumtree.receive(message, from: sender, now: now))
        case let .sync(.digest(entries)):
            answerDigest(entries, to: sender)
        case let .sync(.records(records)):
            for record in records { apply(record) }
        }
    }

    mutating func fire(_ timer: NodeTimer) {
        switch timer {
        case let .membership(inner):
            absorb(membership.handle(.timer(inner), now: now))
        case let .gossip(inner):
            absorb(plumtree.timer(inner, now: now))
        case .routes:
            guard routeTimer == timer else { return }
            routeTimer = nil
            recomputeRoutes()
        case .partitionProbe:
            guard probeTimer == timer, !leaving else { return }
            probeUnreachable()
            armProbe()
            evaluateSplit()
        case .publish:
            guard publishTimer == timer else { return }
            publishTimer = nil
            if !leaving { publishIfViewChanged() }
        case .expiry:
            guard expiryTimer == timer else { return }
            armExpiry()
            expireRecords()
        }
    }

    mutating func absorb(_ membershipEffects: [MembershipEffect]) {
        for effect in membershipEffects {
            switch effect {
            case let .send(peer, message):
                effects.append(.send(to: peer, .membership(message)))
            case let .disconnect(node):
                effects.append(.disconnect(node))
            case let .setTimer(timer):
                effects.append(.setTimer(.membership(timer)))
            case .cancelTimer:
                break  // every layer recognises and ignores its stale timers
            case let .persist(snapshot):
                effects.append(.persist(NodeSnapshot(membership: snapshot, incarnation: incarnation)))
            case let .event(event):
                switch event {
                case let .neighborUp(peer):
                    viewDirty = true
                    absorb(plumtree.neighborUp(peer, now: now))
                    sendDigest(to: peer)
                case let .neighborDown(peer, _):
                    viewDirty = true
                    absorb(plumtree.neighborDown(peer.id, now: now))
                }
                effects.append(.event(.membership(event)))
            }
        }
    }

    mutating func absorb(_ gossipEffects: [GossipEffect]) {
        for effect in gossipEffects {
            switch effect {
            case let .send(peer, message):
                effects.append(.send(to: peer, .gossip(message)))
            case let .setTimer(timer):
                effects.append(.setTimer(.gossip(timer)))
            case let .deliver(id, topic, payload, hops):
                if topic == membershipTopic {
                    if let record = try? MemberRecord(decoding: payload) { apply(record) } else { recordsRejected += 1 }
                } else {
                    effects.append(.deliver(id: id, topic: topic, payload: payload, hops: hops))
                }
            }
        }
    }
}
