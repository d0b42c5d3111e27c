import LashupCRDT
import LashupGossip
import LashupMembership
import LashupStore
import LashupWire

/// Deltas, anti-entropy and the gossip layer's effects.
extension LashupNode {
    /// Broadcasts a key's delta; one too large for a broadcast is left to anti-entropy.
    mutating func broadcastDelta(_ delta: KeyDelta) {
        let payload = delta.encodedBytes()
        do {
            let (_, nodeEffects) = try gossip.broadcast(topic: KeyDelta.topic, payload: payload, now: now)
            statistics.deltasBroadcast += 1
            statistics.deltaBytesBroadcast += payload.count
            absorb(nodeEffects)
        } catch {
            statistics.deltasLeftToAntiEntropy += 1
        }
    }

    /// Maps the gossip layer's effects onto the node's, handling the store's own topics and
    /// opening anti-entropy with every new neighbour.
    mutating func absorb(_ nodeEffects: [NodeEffect]) {
        for effect in nodeEffects {
            switch effect {
            case let .send(peer, message):
                effects.append(.send(to: peer, .node(message)))
            case let .disconnect(node):
                effects.append(.disconnect(node))
            case let .setTimer(timer):
                effects.append(.setTimer(.node(timer)))
            case let .persist(snapshot):
                effects.append(.persist(DurableWrite(node: snapshot)))
            case let .event(event):
                effects.append(.event(.node(event)))
                if case let .membership(.neighborUp(peer)) = event { openAntiEntropy(with: peer) }
            case let .deliver(id, topic, payload, hops):
                switch topic {
                case KeyDelta.topic:
                    // This run's own deltas are already applied here; an earlier run's (a
                    // restart, perhaps on a wiped disk) are joined like anyone else's.
                    if id.origin != me.id || id.incarnation != gossip.incarnation { receiveDelta(payload) }
                case LashupNode.tombstoneTopic: receiveTombstoneReport(payload, from: id.origin)
                default: effects.append(.deliver(id: id, topic: topic, payload: payload, hops: hops))
                }
            }
        }
    }

    mutating func receiveDelta(_ payload: [UInt8]) {
        statistics.deltasReceived += 1
        guard let delta = try? KeyDelta(decoding: payload) else {
            statistics.payloadsRejected += 1
            return
        }
        guard !tombstones.wasCollected(delta.key, state: delta.delta, in: space) else { return }
        guard space.merge(delta.key, delta.delta) else { return }
        statistics.deltasApplied += 1
        effects.append(.persist(DurableWrite(keys: [delta.key: space.value(delta.key)])))
        effects.append(.event(.keyChanged(delta.key)))
        tombstones.note(delta.key, in: space, now: now)
    }

    mutating func openAntiEntropy(with peer: Peer) {
        statistics.antiEntropySessionsOpened += 1
        space.refreshDigests()
        effects.append(.send(to: peer, .antiEntropy(config.antiEntropy.open(space))))
    }

    /// Answers one anti-entropy step. Keys it changed here are persisted together, reported,
    /// and broadcast on with the state that changed them, so the rest of this node's
    /// component is repaired by one exchange.
    mutating func receiveAntiEntropy(_ message: AntiEntropyMessage, from peer: Peer) {
        statistics.antiEntropyMessagesReceived += 1
        var message = message
        if case let .states(states, wanted) = message {
            let fresh = states.filter { !tombstones.wasCollected($0.key, state: $0.state, in: space) }
            message = .states(fresh, wanted: wanted)
        }
        var changed: [KeyState] = []
        let reply = config.antiEntropy.receive(message, space: &space) { key, state in
            changed.append(KeyState(key: key, state: state))
        }
        if !changed.isEmpty {
            statistics.keysRepaired += changed.count
            var write = DurableWrite()
            for entry in changed { write.keys[entry.key] = space.value(entry.key) }
            effects.append(.persist(write))
            for entry in changed {
                effects.append(.event(.keyChanged(entry.key)))
                tombstones.note(entry.key, in: space, now: now)
                broadcastDelta(KeyDelta(key: entry.key, delta: entry.state))
            }
        }
        if let reply { effects.append(.send(to: peer, .antiEntropy(reply))) }
    }
}
