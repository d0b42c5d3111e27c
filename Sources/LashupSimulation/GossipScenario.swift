import LashupGossip
import LashupMembership

/// The `lashup sim gossip` scenario, in phases on one simulated cluster:
/// 1. join (20 s), then `messages` broadcasts with no fault: delivery ratio, relative message
///    redundancy (RMR), hops;
/// 2. `crashCount` staggered crashes, 3 s apart: how long until 99 % of live nodes see each
///    crashed node unreachable;
/// 3. `crashFraction` of the nodes crash at once and `messages` broadcasts follow immediately
///    (delivery before the overlay repairs), then again 20 s later (after repair);
/// 4. a half/half partition for `partitionSeconds`, then healing: time until one component.
public struct GossipScenario: Sendable {
    public var nodes: Int
    public var seed: UInt64
    public var contacts = 3
    public var loss = 0.0
    public var latency = Duration.milliseconds(1)
    public var messages = 100
    public var crashCount = 10
    public var crashFraction = 0.2
    public var partitionSeconds = 60.0
    public var config = GossipNodeConfig()
    public var checkInvariants = false

    static let topic = "bench"

    public init(nodes: Int, seed: UInt64) {
        self.nodes = nodes
        self.seed = seed
    }

    public func run() -> GossipScenarioResult {
        let simulation = GossipSimulation(
            nodes: nodes, contacts: Array(0..<min(contacts, nodes)), seed: seed,
            network: NetworkModel(nodes: nodes, latency: latency, loss: loss), config: config, topics: [Self.topic]
        )
        simulation.checkInvariants = checkInvariants
        var result = GossipScenarioResult(nodes: nodes, seed: seed)
        var random = SeededRandom(seed: seed ^ 0x6055_1B)
        var deliveries: [BroadcastID: Int] = [:]
        var hopMax = 0
        // Crashed node → live nodes that have not yet seen it unreachable, and when it crashed.
        var watched: [Int: (crashedAt: Instant, pending: Set<Int>, needed: Int)] = [:]
        var failureKnownMilliseconds: [Double] = []

        simulation.onEvent = { time, index, observation in
            switch observation {
            case let .delivered(id, topic, hops):
                guard topic == Self.topic else { return }
                deliveries[id, default: 0] += 1
                hopMax = max(hopMax, Int(hops))
            case let .node(.reachabilityChanged(nowUnreachable, _)):
                for node in nowUnreachable {
                    guard let crashed = simulation.index(of: node), var watch = watched[crashed] else { continue }
                    watch.pending.remove(index)
                    if watch.pending.count <= watch.needed {
                        failureKnownMilliseconds.append((time - watch.crashedAt).inMilliseconds)
                        watched[crashed] = nil
                    } else {
                        watched[crashed] = watch
                    }
                }
            case .node:
                break
            }
        }

        for index in 0..<nodes {
            simulation.start(index, at: Instant(nanoseconds: Int64(random.unit() * 1e9)))
        }
        var time = Instant.zero + .seconds(20)
        simulation.run(until: time)
        result.formationMessagesPerNode = Double(simulation.messagesSent) / Double(nodes)

        func live() -> [Int] { (0..<nodes).filter { simulation.status[$0] == .up } }
        func payloadsReceived() -> Int {
            live().reduce(0) { $0 + (simulation.node($1)?.applicationPayloadsReceived ?? 0) }
        }
        /// Broadcasts from random live nodes over one second; returns the ids and live count.
        func broadcastBatch() -> (ids: [BroadcastID], liveCount: Int) {
            var ids: [BroadcastID] = []
            let senders = live()
            for _ in 0..<messages {
                let sender = senders[Int(random.next() % UInt64(senders.count))]
                if let id = simulation.broadcast(from: sender, topic: Self.topic, payload: [UInt8](repeating: 7, count: 64)) { ids.append(id) }
                time = time + .nanoseconds(1_000_000_000 / Int64(max(messages, 1)))
                simulation.run(until: time)
            }
            return (ids, senders.count)
        }
        func ratio(_ batch: (ids: [BroadcastID], liveCount: Int)) -> Double {
            let expected = batch.ids.count * batch.liveCount
            let delivered = batch.ids.reduce(0) { $0 + min(deliveries[$1, default: 0], batch.liveCount) }
            return expected == 0 ? 1 : Double(delivered) / Double(expected)
        }

        // Phase 1: broadcasts without faults.
        let before = payloadsReceived()
        let steady = broadcastBatch()
        time = time + .seconds(5)
        simulation.run(until: time)
        result.deliveryRatio = ratio(steady)
        let received = payloadsReceived() - before
        result.relativeMessageRedundancy = Double(received) / Double(max(steady.ids.count * (steady.liveCount - 1), 1)) - 1
        result.lastDeliveryHopMax = hopMax
        result.membershipBytesPerNode = membershipBytes(simulation)

        // Phase 2: staggered crashes.
        for _ in 0..<crashCount {
            let candidates = live().filter { $0 >= contacts }
            guard let victim = candidates.isEmpty ? nil : candidates[Int(random.next() % UInt64(candidates.count))] else { break }
            let observers = Set(live().filter { $0 != victim })
            for key in Array(watched.keys) { watched[key]?.pending.remove(victim) }
            watched[victim] = (time, observers, observers.count / 100)
            simulation.crash(victim)
            time = time + .seconds(3)
            simulation.run(until: time)
        }
        time = time + .seconds(5)
        simulation.run(until: time)
        result.failureKnownMeasured = failureKnownMilliseconds.count
        result.failureKnownNever = watched.count
        let sortedKnown = failureKnownMilliseconds.sorted()
        if !sortedKnown.isEmpty {
            result.failureKnownP99Milliseconds = sortedKnown[min(sortedKnown.count - 1, Int((Double(sortedKnown.count) * 0.99).rounded(.up)) - 1)]
        }
        watched.removeAll()

        // Phase 3: a fraction crashes at once; broadcast immediately, then after repair.
        if crashFraction > 0 {
            var candidates = live().filter { $0 >= contacts }
            let count = min(candidates.count, Int((Double(nodes) * crashFraction).rounded()))
            for position in 0..<count {
                candidates.swapAt(position, position + Int(random.next() % UInt64(candidates.count - position)))
            }
            for victim in candidates.prefix(count).sorted() { simulation.crash(victim) }
            result.crashedAtOnce = count
            let immediate = broadcastBatch()
            time = time + .seconds(10)
            simulation.run(until: time)
            result.deliveryRatioAfterCrash = ratio(immediate)
            time = time + .seconds(10)
            simulation.run(until: time)
            let repaired = broadcastBatch()
            time = time + .seconds(10)
            simulation.run(until: time)
            result.deliveryRatioAfterRepair = ratio(repaired)
        }

        // Phase 4: half/half partition, then heal.
        if partitionSeconds > 0 {
            let alive = live()
            let half = alive.count / 2
            simulation.network.partition(Array(alive[..<half]), Array(alive[half...]), symmetric: true)
            time = time + .nanoseconds(Int64(partitionSeconds * 1e9))
            simulation.run(until: time)
            result.componentsDuringPartition = simulation.overlayComponents().count
            simulation.network.heal()
            let healedFrom = time
            while time < healedFrom + .seconds(120) {
                time = time + .milliseconds(250)
                simulation.run(until: time)
                if simulation.overlayComponents().count == 1 {
                    result.partitionHealedSeconds = (time - healedFrom).inMilliseconds / 1000
                    break
                }
            }
        }

        result.simulatedSeconds = time.milliseconds / 1000
        result.messagesPerNodePerSecond = Double(simulation.messagesSent) / Double(nodes) / (time.milliseconds / 1000)
        result.messageKinds = simulation.messageRates(nodes: nodes, seconds: time.milliseconds / 1000)
        result.events = simulation.eventsProcessed
        result.traceHash = simulation.traceHash.hex
        result.invariantViolations = Array(simulation.invariantViolations.prefix(10))
        return result
    }

    /// Approximate memory of the global membership table per live node: the records' encoded
    /// size plus 96 bytes per entry for the table, digest and graph bookkeeping.
    private func membershipBytes(_ simulation: GossipSimulation) -> Double {
        let alive = simulation.liveNodes
        var total = 0
        for index in alive {
            guard let node = simulation.node(index) else { continue }
            for record in node.records.values { total += record.encodedBytes().count + 96 }
        }
        return Double(total) / Double(max(alive.count, 1))
    }
}

/// What `GossipScenario` measured.
public struct GossipScenarioResult: Sendable {
    public var nodes: Int
    public var seed: UInt64
    public var simulatedSeconds = 0.0
    public var deliveryRatio = 0.0
    public var relativeMessageRedundancy = 0.0
    public var lastDeliveryHopMax = 0
    public var crashedAtOnce = 0
    public var deliveryRatioAfterCrash: Double?
    public var deliveryRatioAfterRepair: Double?
    public var failureKnownP99Milliseconds: Double?
    public var failureKnownMeasured = 0
    public var failureKnownNever = 0
    public var componentsDuringPartition: Int?
    public var partitionHealedSeconds: Double?
    public var membershipBytesPerNode = 0.0
    public var messagesPerNodePerSecond = 0.0
    /// The same, by kind, most frequent first.
    public var messageKinds: [MessageKindRate] = []
    /// Messages sent per node while the cluster formed (the first 20 s, every node booting
    /// in the first second).
    public var formationMessagesPerNode = 0.0
    public var events = 0
    public var traceHash = ""
    public var invariantViolations: [String] = []
}
