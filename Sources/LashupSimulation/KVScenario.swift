import LashupCRDT
import LashupMembership
import LashupNode
import LashupStore

/// The `lashup sim kv` scenario on one simulated cluster of full nodes:
/// 1. join (20 s);
/// 2. for `partitionSeconds`: a half/half partition and `loss`, while `writers` nodes each
///    perform `opsPerWriter` operations spread over the window (counter increments, adds of
///    unique set elements, removes of elements the writer added and still sees), and a
///    `crashFraction` of the nodes crash at random moments and restart 2–10 s later from what
///    they persisted;
/// 3. everything heals (partition, loss, every node up): the time until every replica's
///    digests are equal, and then the checker: every acknowledged increment counted, every
///    acknowledged add present unless an acknowledged remove observed it, every acknowledged
///    remove absent — on every node.
public struct KVScenario: Sendable {
    public var nodes: Int
    public var seed: UInt64
    public var contacts = 3
    public var writers = 100
    public var opsPerWriter = 20
    public var keys = 20
    public var partitionSeconds = 60.0
    public var crashFraction = 0.05
    public var loss = 0.01
    public var latency = Duration.milliseconds(2)
    /// Longest wait for convergence after healing.
    public var convergenceTimeout = Duration.seconds(120)
    public var config = ClusterConfig()
    public var checkInvariants = false

    public init(nodes: Int, seed: UInt64) {
        self.nodes = nodes
        self.seed = seed
    }

    enum Action {
        case write(writer: Int)
        case crash(Int)
        case restart(Int)
    }

    struct Ledger {
        var incrementsByKey: [Key: Int64] = [:]
        var addedElements: [Key: Set<String>] = [:]
        var removedElements: [Key: Set<String>] = [:]
        /// Per writer, the elements it added, so it can remove one it added.
        var addedBy: [Int: [(Key, String)]] = [:]
        var acknowledged = 0
        var attempted = 0
    }

    public func run() -> KVScenarioResult {
        let simulation = ClusterSimulation(
            nodes: nodes, contacts: Array(0..<min(contacts, nodes)), seed: seed,
            network: NetworkModel(nodes: nodes, latency: latency, loss: 0), config: config
        )
        simulation.checkInvariants = checkInvariants
        var result = KVScenarioResult(nodes: nodes, seed: seed)
        var random = SeededRandom(seed: seed ^ 0x4B56_5343)
        func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }

        for index in 0..<nodes {
            simulation.start(index, at: Instant(nanoseconds: Int64(random.unit() * 1e9)))
        }
        var time = Instant.zero + .seconds(20)
        simulation.run(until: time)
        result.formationMessagesPerNode = Double(simulation.messagesSent) / Double(nodes)

        // The fault window's schedule: writes spread evenly per writer, crashes at random.
        let window = Duration.nanoseconds(Int64(partitionSeconds * 1e9))
        let start = time
        var order = Array(0..<nodes)
        for position in 0..<nodes { order.swapAt(position, position + pick(nodes - position)) }
        let writerNodes = Array(order.prefix(min(writers, nodes)))
        var schedule: [(Instant, Int, Action)] = []
        for writer in writerNodes {
            for op in 0..<opsPerWriter {
                let offset = (Double(op) + random.unit()) / Double(opsPerWriter)
                schedule.append((start + window.scaled(by: offset), schedule.count, .write(writer: writer)))
            }
        }
        let crashable = order.filter { $0 >= contacts }
        let crashCount = min(crashable.count, Int((Double(nodes) * crashFraction).rounded()))
        for victim in crashable.suffix(crashCount) {
            let at = start + window.scaled(by: random.unit() * 0.8)
            schedule.append((at, schedule.count, .crash(victim)))
            schedule.append((at + .milliseconds(Int64(2_000 + random.unit() * 8_000)), schedule.count, .restart(victim)))
        }
        schedule.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        result.crashes = crashCount

        if partitionSeconds > 0 {
            let half = nodes / 2
            simulation.network.partition(Array(order[..<half]), Array(order[half...]), symmetric: true)
        }
        simulation.network.loss = loss
        var ledger = Ledger()
        var deltaBytes: [Int] = []
        for (at, _, action) in schedule {
            simulation.run(until: at)
            switch action {
            case let .write(writer):
                ledger.attempted += 1
                write(writer, simulation: simulation, ledger: &ledger, deltaBytes: &deltaBytes, random: &random)
            case let .crash(victim):
                simulation.crash(victim)
            case let .restart(victim):
                if simulation.status[victim] == .crashed { simulation.start(victim) }
            }
        }
        time = start + window
        simulation.run(until: time)

        // Heal everything, then wait for every replica's digests to agree.
        simulation.network.heal()
        simulation.network.loss = 0
        for index in 0..<nodes where simulation.status[index] == .crashed { simulation.start(index) }
        let healedAt = time
        while time < healedAt + convergenceTimeout {
            time = time + .milliseconds(250)
            simulation.run(until: time)
            if simulation.distinctKeySpaces() == 1 {
                result.convergeSecondsAfterHeal = (time - healedAt).inMilliseconds / 1000
                break
            }
        }
        result.converged = result.convergeSecondsAfterHeal != nil
        result.distinctDigestsAtEnd = simulation.distinctKeySpaces()
        result.attemptedOps = ledger.attempted
        result.acknowledgedOps = ledger.acknowledged
        result.lostOps = lost(ledger, simulation: simulation)
        deltaBytes.sort()
        if !deltaBytes.isEmpty {
            result.deltaBytesP50 = deltaBytes[deltaBytes.count / 2]
            result.deltaBytesP99 = deltaBytes[min(deltaBytes.count - 1, deltaBytes.count * 99 / 100)]
        }
        let statistics = (0..<nodes).compactMap { simulation.node($0)?.statistics }
        result.keysRepaired = statistics.reduce(0) { $0 + $1.keysRepaired }
        result.antiEntropySessions = statistics.reduce(0) { $0 + $1.antiEntropySessionsOpened }
        result.simulatedSeconds = time.milliseconds / 1000
        result.messagesPerNodePerSecond = Double(simulation.messagesSent) / Double(nodes) / (time.milliseconds / 1000)
        result.messageKinds = simulation.messageRates(nodes: nodes, seconds: time.milliseconds / 1000)
        result.events = simulation.eventsProcessed
        result.traceHash = simulation.traceHash.hex
        result.invariantViolations = Array(simulation.invariantViolations.prefix(10))
        return result
    }

    /// One operation by `writer`, recorded only if acknowledged: an increment (half the time),
    /// an add of a unique element, or a remove of an element it added and still sees.
    private func write(_ writer: Int, simulation: ClusterSimulation, ledger: inout Ledger, deltaBytes: inout [Int], random: inout SeededRandom) {
        let roll = random.next() % 10
        let bytesBefore = simulation.node(writer)?.statistics.deltaBytesBroadcast ?? 0
        let acknowledged: Bool
        if roll < 5 {
            let key = try! Key(["kv", "counters", "c\(random.next() % UInt64(keys))"])
            acknowledged = simulation.update(on: writer, key, [.update("n", .increment(1))]) != nil
            if acknowledged { ledger.incrementsByKey[key, default: 0] += 1 }
        } else if roll < 8 || ledger.addedBy[writer, default: []].isEmpty {
            let key = try! Key(["kv", "sets", "s\(random.next() % UInt64(keys))"])
            let element = "w\(writer)-\(ledger.attempted)"
            acknowledged = simulation.update(on: writer, key, [.update("members", .add(.string(element)))]) != nil
            if acknowledged {
                ledger.addedElements[key, default: []].insert(element)
                ledger.addedBy[writer, default: []].append((key, element))
            }
        } else {
            let choices = ledger.addedBy[writer]!
            let (key, element) = choices[Int(random.next() % UInt64(choices.count))]
            let visible = simulation.node(writer)?.space.value(key).store.set("members").contains(.string(element)) ?? false
            acknowledged = visible && simulation.update(on: writer, key, [.update("members", .remove(.string(element)))]) != nil
            if acknowledged { ledger.removedElements[key, default: []].insert(element) }
        }
        if acknowledged {
            ledger.acknowledged += 1
            deltaBytes.append((simulation.node(writer)?.statistics.deltaBytesBroadcast ?? 0) - bytesBefore)
        }
    }

    /// Acknowledged effects missing from the final value on any node, counted once per node.
    private func lost(_ ledger: Ledger, simulation: ClusterSimulation) -> Int {
        var lost = 0
        for index in 0..<nodes {
            guard let space = simulation.node(index)?.space else { continue }
            for (key, increments) in ledger.incrementsByKey {
                lost += Int(max(0, increments - space.value(key).store.counter("n")))
            }
            for (key, added) in ledger.addedElements {
                let present = Set(space.value(key).store.set("members"))
                let removed = ledger.removedElements[key] ?? []
                lost += added.filter { !removed.contains($0) && !present.contains(.string($0)) }.count
                lost += removed.filter { present.contains(.string($0)) }.count
            }
        }
        return lost
    }
}

/// What `KVScenario` measured.
public struct KVScenarioResult: Sendable {
    public var nodes: Int
    public var seed: UInt64
    public var attemptedOps = 0
    public var acknowledgedOps = 0
    public var lostOps = 0
    public var converged = false
    public var convergeSecondsAfterHeal: Double?
    public var distinctDigestsAtEnd = 0
    public var deltaBytesP50 = 0
    public var deltaBytesP99 = 0
    public var crashes = 0
    public var keysRepaired = 0
    public var antiEntropySessions = 0
    public var simulatedSeconds = 0.0
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
