import LashupCRDT

/// Latency-aware weights, as a deterministic state machine: probe outcomes and `now` go in,
/// adjusted VIP backends come out. Nothing here reads a clock or touches a socket; the load
/// balancer's prober feeds it (see `TCPConnectProber`).
///
/// Minuteman v1 sent each connection to the better of two random backends by connect latency
/// and lost that when it moved to IPVS; kube-proxy draws uniformly. Here each backend's
/// configured weight is divided by a power of two (its *tier*, 0…3) chosen from how much
/// slower than the VIP's fastest backend it connects, so the kernel's `numgen` draw does the
/// choosing at kernel speed. A backend whose probes keep failing is *ejected* (weight 0: no
/// new connections, established ones keep flowing) for a while.
///
/// Against flapping: a tier moves up as soon as a backend is 2, 4 or 8 times slower, but
/// moves down only once it is 30 % under that mark; and a backend's tier changes at most
/// once per `minimumChangeInterval` (ejection is immediate: a dead backend costs connections).
/// Fail open: a VIP whose live backends would all be ejected keeps them all.
public struct LatencyWeights: Sendable {
    /// The tuning, with documented defaults.
    public struct Settings: Sendable, Equatable {
        /// Consecutive failed probes that eject a backend.
        public var failuresToEject = 2
        /// How long the first ejection lasts; each ejection soon after the last doubles it.
        public var ejection: Duration = .seconds(5)
        /// The longest ejection; also how long a backend must stay in before its ejection
        /// time starts again from `ejection`.
        public var maximumEjection: Duration = .seconds(30)
        /// Least time between two tier changes of one backend.
        public var minimumChangeInterval: Duration = .seconds(5)
        /// Latencies below this count as this: LAN jitter, and a busy host's own scheduling
        /// delays (a few ms on CI's loaded cores halved healthy backends at 1 ms), are not signal.
        public var latencyFloor: Duration = .milliseconds(5)
        /// Most backends tracked; probe results for more are dropped (and counted).
        public var maximumTracked = 16_384

        public init() {}
    }

    /// What is known of one backend address.
    public struct Health: Sendable, Equatable {
        /// Smoothed connect latency (nil until a probe connected).
        public var latency: Duration?
        public var consecutiveFailures = 0
        /// Ejected until then (nil: not ejected).
        public var ejectedUntil: Duration?
        /// Ejections in a row (reset after `maximumEjection` in service).
        var ejections = 0
        var lastReturn: Duration?
        public var lastFailure: String?
    }

    /// The largest tier: a backend 8× slower than the fastest gets 1/8 of its weight.
    public static let maximumTier = 3

    public let settings: Settings
    public private(set) var health: [ProbeTarget: Health] = [:]
    /// Each (VIP, backend) tier, and when it last changed.
    private var tiers: [TierKey: (tier: Int, changed: Duration)] = [:]
    /// Probe results dropped because `maximumTracked` backends were tracked already.
    public private(set) var droppedResults = 0

    public init(settings: Settings = Settings()) { self.settings = settings }

    private struct TierKey: Hashable { var service: ServiceKey; var target: ProbeTarget }

    /// Takes one probe's outcome. Returns false when the backend is not tracked and the
    /// bound is reached (the result is dropped).
    @discardableResult
    public mutating func record(_ target: ProbeTarget, _ outcome: ProbeOutcome, now: Duration) -> Bool {
        if case .notProbed = outcome { return true }
        guard health[target] != nil || health.count < settings.maximumTracked else {
            droppedResults += 1
            return false
        }
        var state = health[target] ?? Health()
        switch outcome {
        case .notProbed: break
        case let .connected(latency):
            // The smoothing of TCP's SRTT (RFC 6298): 7/8 old, 1/8 new, but the first sample whole.
            if let old = state.latency { state.latency = old * 7 / 8 + latency / 8 } else { state.latency = latency }
            state.consecutiveFailures = 0
            state.lastFailure = nil
            if let until = state.ejectedUntil, now >= until {
                state.ejectedUntil = nil
                state.lastReturn = now
            }
        case let .failed(reason):
            state.consecutiveFailures += 1
            state.lastFailure = reason
            if state.ejectedUntil == nil, state.consecutiveFailures >= settings.failuresToEject {
                if let back = state.lastReturn, now - back >= settings.maximumEjection { state.ejections = 0 }
                let doubled = settings.ejection * (1 << min(state.ejections, 16))
                state.ejectedUntil = now + min(doubled, settings.maximumEjection)
                state.ejections += 1
            } else if let until = state.ejectedUntil, now >= until {
                // Still failing when its time is up: out for another period.
                state.ejectedUntil = now + settings.ejection
            }
        }
        health[target] = state
        return true
    }

    /// Forgets backends no VIP uses any more.
    public mutating func retain(_ targets: Set<ProbeTarget>) {
        health = health.filter { targets.contains($0.key) }
        tiers = tiers.filter { targets.contains($0.key.target) }
    }

    /// (VIP, backend) pairs whose weight latency currently divides (tier above 0).
    public var reducedCount: Int { tiers.values.filter { $0.tier > 0 }.count }

    /// Whether `target` is ejected now.
    public func isEjected(_ target: ProbeTarget) -> Bool { health[target]?.ejectedUntil != nil }

    /// The VIPs' backends with their weights adjusted: TCP VIPs only (a UDP server cannot be
    /// probed by connecting), and drained backends stay drained. A VIP nothing changes keeps
    /// its configured weights exactly.
    public mutating func adjust(_ services: [ServiceKey: [Backend]], now: Duration) -> [ServiceKey: [Backend]] {
        var result = services
        var seen: Set<TierKey> = []
        for (service, backends) in services where service.transport == .tcp {
            let live = backends.filter { $0.weight > 0 }
            let ejected = Set(live.map(ProbeTarget.init).filter(isEjected))
            // Fail open: never eject every live backend of a VIP (two agents may publish one
            // address, so compare backends, not addresses).
            let ejecting = live.allSatisfy({ ejected.contains(ProbeTarget($0)) }) ? [] : ejected
            let fastest = live.map(ProbeTarget.init).filter { !ejecting.contains($0) }
                .compactMap { health[$0]?.latency }.min().map { max($0, settings.latencyFloor) }
            var factors: [ProbeTarget: Int] = [:]
            for backend in live {
                let target = ProbeTarget(backend)
                let key = TierKey(service: service, target: target)
                seen.insert(key)
                guard !ejecting.contains(target) else { continue }
                factors[target] = nextTier(key, latency: health[target]?.latency, fastest: fastest, now: now)
            }
            let divided = factors.values.contains { $0 > 0 }
            guard !ejecting.isEmpty || divided else { continue }
            result[service] = backends.map { backend in
                var adjusted = backend
                guard backend.weight > 0 else { return adjusted }
                if let tier = factors[ProbeTarget(backend)] {
                    // Scaled up first, so dividing the slower ones keeps integers.
                    if divided { adjusted.weight = backend.weight * (UInt32(1 << Self.maximumTier) >> tier) }
                } else {
                    adjusted.weight = 0
                }
                return adjusted
            }
        }
        tiers = tiers.filter { seen.contains($0.key) }
        return result
    }

    /// The tier of one backend in one VIP, moved with hysteresis and at a bounded rate.
    private mutating func nextTier(_ key: TierKey, latency: Duration?, fastest: Duration?, now: Duration) -> Int {
        let current = tiers[key]
        let currentTier = current?.tier ?? 0
        guard let latency, let fastest else { return currentTier }
        let ratio = max(latency, settings.latencyFloor) / fastest
        var target = Self.tier(forRatio: ratio)
        if target < currentTier { target = max(target, Self.tier(forRatio: ratio / 0.7)) }
        guard target != currentTier else { return currentTier }
        if let current, now - current.changed < settings.minimumChangeInterval { return currentTier }
        tiers[key] = (target, now)
        return target
    }

    /// 0 below 2× the fastest, 1 from 2×, 2 from 4×, 3 from 8×.
    static func tier(forRatio ratio: Double) -> Int {
        var tier = 0
        var mark = 2.0
        while tier < maximumTier, ratio >= mark {
            tier += 1
            mark *= 2
        }
        return tier
    }
}

/// What one probe of a backend found.
public enum ProbeOutcome: Sendable, Equatable {
    /// The TCP handshake completed in this time.
    case connected(Duration)
    /// It did not (refused, timed out, unreachable), with why.
    case failed(String)
    /// This host could not try (no descriptors or ports left, `poll` failed): says nothing
    /// of the backend, so it is not recorded.
    case notProbed(String)
}

/// A backend's address and port: what is probed, whichever agent or VIP it serves.
public struct ProbeTarget: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public init(_ backend: Backend) { self.init(address: backend.address, port: backend.port) }

    public var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }

    public static func < (lhs: ProbeTarget, rhs: ProbeTarget) -> Bool { (lhs.address, lhs.port) < (rhs.address, rhs.port) }
}
