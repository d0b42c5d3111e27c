/// Latency-aware weights in the running balancer: a probe round every `probeInterval` over the
/// TCP backends this node routes to, whose outcomes feed `LatencyWeights`; the next refresh
/// programs the weights it computes.
extension LoadBalancer {
    /// Most backends probed in one round; beyond, rounds take the next ones in turn, so each
    /// is probed every `targets / maximumProbesPerRound` rounds and the cost stays bounded.
    static let maximumProbesPerRound = 1_024

    /// Time since this balancer began: the latency core's `now`.
    var now: Duration { ContinuousClock.now - origin }

    /// The TCP backends in use from here (drained ones are not chosen, so not probed).
    func probeTargets() -> [ProbeTarget] {
        var targets: Set<ProbeTarget> = []
        for (service, backends) in configured where service.transport == .tcp {
            for backend in backends where backend.weight > 0 { targets.insert(ProbeTarget(backend)) }
        }
        return targets.sorted()
    }

    /// Probes the next round's backends and refreshes when what they found changes the weights.
    func probeRound() async {
        guard latencyWeights != nil else { return }
        let all = probeTargets()
        guard !all.isEmpty else { return }
        var round = all
        if all.count > Self.maximumProbesPerRound {
            let start = probeCursor % all.count
            round = Array((all[start...] + all[..<start]).prefix(Self.maximumProbesPerRound))
            probeCursor = start + Self.maximumProbesPerRound
        }
        let results = await prober.probe(round)
        guard var weights = latencyWeights else { return }
        let now = now
        for (target, outcome) in results {
            metrics.probes.increment()
            switch outcome {
            case let .connected(latency): metrics.probeLatency.recordNanoseconds(Int64(latency / .nanoseconds(1)))
            case .failed: metrics.probeFailures.increment()
            case let .notProbed(reason):
                metrics.probesNotMade.increment()
                if reason != lastProbeTrouble { logger.warning("load balancer: this host cannot probe backends: \(reason)") }
                lastProbeTrouble = reason
            }
            let wasEjected = weights.isEjected(target)
            if !weights.record(target, outcome, now: now) { metrics.probeResultsDropped.increment() }
            switch (wasEjected, weights.isEjected(target), outcome) {
            case let (false, true, .failed(reason)): logger.warning("load balancer: backend \(target) ejected: \(reason)")
            case (true, false, _): logger.notice("load balancer: backend \(target) answers again")
            default: break
            }
        }
        latencyWeights = weights
        metrics.ejectedBackends.record(all.filter(weights.isEjected).count)
        // Against what is programmed, not what was computed before this round: a tier change
        // the rate bound held back is due now even when this round found nothing new. While
        // programming fails, the verification period retries, not every round.
        if lastFailure == nil, adjustedPreview(weights) != programmed { await requestRefresh(verify: false) }
    }

    /// What the weights would program now, without committing their tier changes.
    private func adjustedPreview(_ weights: LatencyWeights) -> [ServiceKey: [Backend]] {
        var copy = weights
        return copy.adjust(configured, now: now)
    }

    /// The configured backends with latency-aware weights applied (as they are when off).
    func adjustedForLatency(_ configured: [ServiceKey: [Backend]]) -> [ServiceKey: [Backend]] {
        guard var weights = latencyWeights else { return configured }
        weights.retain(Set(probeTargets()))
        let adjusted = weights.adjust(configured, now: now)
        latencyWeights = weights
        metrics.latencyReducedBackends.record(weights.reducedCount)
        return adjusted
    }
}
