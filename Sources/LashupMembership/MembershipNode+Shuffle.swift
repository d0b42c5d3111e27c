/// HyParView's shuffle: small samples of both views travel a short random walk, and the node
/// where it ends swaps an equal sample of its passive view with the origin. Keeps passive
/// views fresh and mixed without shipping whole views (which the original did).
extension MembershipNode {
    mutating func onShuffleTimer() {
        shuffleTimer = setTimer(.shuffle, after: jittered(config.shuffleInterval))
        guard let target = randomElement(activeView) else { return }
        let sample = [me]
            + self.sample(activeView.filter { $0.id != target.id }, count: config.shuffleActiveSample)
            + self.sample(passive, count: config.shufflePassiveSample)
        let id = newSequence()
        lastShuffle = (id, sample)
        send(.shuffle(origin: me, sample: sample, ttl: UInt8(clamping: config.activeRandomWalkLength), id: id), to: target)
    }

    mutating func onShuffle(origin: Peer, sample: [Peer], ttl: UInt8, id: UInt64, from sender: Peer) {
        guard origin.id != me.id else { return }
        let bounded = Array(sample.prefix(config.shuffleActiveSample + config.shufflePassiveSample + 1))
        if ttl > 1 && active.count > 1 {
            let onward = activeView.filter { $0.id != sender.id && $0.id != origin.id }
            if let next = randomElement(onward) {
                send(.shuffle(origin: origin, sample: bounded, ttl: ttl - 1, id: id), to: next)
                return
            }
        }
        let reply = self.sample(passive, count: bounded.count)
        send(.shuffleReply(sample: reply, id: id), to: origin)
        for peer in bounded { addPassive(peer, preferEvicting: reply) }
    }

    mutating func onShuffleReply(sample: [Peer], id: UInt64) {
        let sent = lastShuffle?.id == id ? lastShuffle?.sample ?? [] : []
        let bounded = sample.prefix(config.shuffleActiveSample + config.shufflePassiveSample + 1)
        for peer in bounded { addPassive(peer, preferEvicting: sent) }
    }
}
