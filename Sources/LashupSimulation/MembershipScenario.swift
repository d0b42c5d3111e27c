import LashupMembership

/// The `lashup sim membership` scenario: N nodes join through the contacts, run, then a
/// fraction of them crashes at once; the overlay's connectivity, eviction latency, false
/// evictions and message cost are measured.
public struct MembershipScenario: Sendable {
    public var nodes: Int
    public var seed: UInt64
    public var contacts = 3
    public var loss = 0.0
    public var crashFraction = 0.2
    public var latency = Duration.milliseconds(1)
    public var duration = Duration.seconds(120)
    /// When the crash happens; default half-way through.
    public var crashAt: Duration?
    /// How often connectivity is sampled.
    public var sampleInterval = Duration.milliseconds(250)
    public var config = MembershipConfig()
    public var checkInvariants = false

    public init(nodes: Int, seed: UInt64) {
        self.nodes = nodes
        self.seed = seed
    }

    public func run() -> MembershipScenarioResult {
        let contactIndices = Array(0..<min(max(contacts, 1), nodes))
        let simulation = MembershipSimulation(
            nodes: nodes, contacts: contactIndices, seed: seed,
            network: NetworkModel(nodes: nodes, latency: latency, loss: loss), config: config
        )
        simulation.checkInvariants = checkInvariants
        var result = MembershipScenarioResult(nodes: nodes, seed: seed)
        let crashTime = Instant.zero + (crashAt ?? duration / 2)
        var crashed = Set<Int>()
        // Crashed node → live neighbours that still have to evict it, and eviction times.
        var awaitingEviction: [Int: Set<Int>] = [:]
        var evictionMilliseconds: [Int: Double] = [:]

        simulation.onEvent = { time, index, event in
            guard case let .neighborDown(peer, reason) = event, let other = simulation.index(of: peer.id) else { return }
            if crashed.contains(other) {
                awaitingEviction[other]?.remove(index)
                if awaitingEviction[other]?.isEmpty == true {
                    awaitingEviction[other] = nil
                    evictionMilliseconds[other] = (time - crashTime).inMilliseconds
                }
            } else if reason == .failed || reason == .linkBroken,
                      simulation.status[other] == .up,
                      simulation.network.canReach(index, other), simulation.network.canReach(other, index) {
                result.falseEvictions += 1
            }
        }

        // Boot every node within the first second, as hosts of a cluster come up.
        var bootRandom = SeededRandom(seed: seed ^ 0xB007)
        for index in 0..<nodes {
            simulation.start(index, at: Instant(nanoseconds: Int64(bootRandom.unit() * 1e9)))
        }

        let end = Instant.zero + duration
        var time = Instant.zero
        var crashDone = crashFraction <= 0
        var survivorsConnectedAt: Instant?
        while time < end {
            time = min(time + sampleInterval, end)
            if !crashDone && time > crashTime {
                simulation.run(until: crashTime)
                crashDone = true
                var victims = Array(0..<nodes)
                var crashRandom = SeededRandom(seed: seed ^ 0xC4A5)
                let count = Int((Double(nodes) * crashFraction).rounded())
                for position in 0..<count {
                    let pick = position + Int(crashRandom.next() % UInt64(nodes - position))
                    victims.swapAt(position, pick)
                }
                crashed = Set(victims.prefix(count))
                for victim in crashed {
                    let neighbours = (simulation.node(victim)?.activeView ?? []).compactMap { simulation.index(of: $0.id) }
                    let waiting = Set(neighbours.filter { !crashed.contains($0) })
                    if waiting.isEmpty { evictionMilliseconds[victim] = 0 } else { awaitingEviction[victim] = waiting }
                }
                for victim in crashed.sorted() { simulation.crash(victim) }
                result.crashed = crashed.count
            }
            simulation.run(until: time)
            if result.overlayConnectedSeconds == nil, simulation.overlayComponents().count == 1 {
                result.overlayConnectedSeconds = time.milliseconds / 1000
            }
            if crashDone && !crashed.isEmpty && survivorsConnectedAt == nil && time > crashTime,
               simulation.overlayComponents().count == 1 {
                survivorsConnectedAt = time
                result.reconnectedSecondsAfterCrash = (time - crashTime).inMilliseconds / 1000
            }
        }

        result.componentsAtEnd = simulation.overlayComponents().count
        let evictions = evictionMilliseconds.values.sorted()
        result.evictionsMeasured = evictions.count
        result.evictionsNeverCompleted = awaitingEviction.count
        if !evictions.isEmpty {
            result.evictionP50Milliseconds = percentile(evictions, 0.50)
            result.evictionP99Milliseconds = percentile(evictions, 0.99)
            result.evictionMaxMilliseconds = evictions.last
        }
        let seconds = Double(duration.nanosecondsValue) / 1e9
        result.messagesPerNodePerSecond = Double(simulation.messagesSent) / Double(nodes) / seconds
        result.messageKinds = simulation.messageRates(nodes: nodes, seconds: seconds)
        result.messagesLost = simulation.messagesLost
        result.events = simulation.eventsProcessed
        result.traceHash = simulation.traceHash.hex
        result.invariantViolations = Array(simulation.invariantViolations.prefix(10))
        result.simulatedSeconds = seconds
        return result
    }

    private func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }
}

/// What `MembershipScenario` measured.
public struct MembershipScenarioResult: Sendable {
    public var nodes: Int
    public var seed: UInt64
    public var crashed = 0
    public var simulatedSeconds = 0.0
    public var overlayConnectedSeconds: Double?
    public var componentsAtEnd = 0
    public var reconnectedSecondsAfterCrash: Double?
    public var evictionP50Milliseconds: Double?
    public var evictionP99Milliseconds: Double?
    public var evictionMaxMilliseconds: Double?
    public var evictionsMeasured = 0
    /// Crashed nodes some live neighbour still had in its active view at the end.
    public var evictionsNeverCompleted = 0
    public var falseEvictions = 0
    public var messagesPerNodePerSecond = 0.0
    /// The same, by kind, most frequent first.
    public var messageKinds: [MessageKindRate] = []
    public var messagesLost = 0
    public var events = 0
    public var traceHash = ""
    public var invariantViolations: [String] = []
}
