import LashupMembership

/// What a simulated node is doing.
public enum SimulatedNodeStatus: Sendable, Equatable {
    case up
    /// Stopped, as by SIGSTOP: messages and timers wait and run late when it resumes.
    case paused
    /// Gone: its state is lost except what it persisted; messages to it are lost.
    case crashed
}

/// The simulation of membership nodes alone.
public typealias MembershipSimulation = Simulation<MembershipNode>

extension Simulation where Node == MembershipNode {
    /// Membership nodes named `node-0` …, all joining through `contacts`.
    public convenience init(nodes count: Int, contacts: [Int], seed: UInt64, network: NetworkModel, config: MembershipConfig = MembershipConfig()) {
        self.init(nodes: count, contacts: contacts, seed: seed, network: network) { peer, contacts, restored, seed in
            MembershipNode(me: peer, contacts: contacts, restored: restored, config: config, seed: seed)
        }
    }
}

/// A discrete-event simulation of many nodes on a virtual network and clock.
///
/// Runs the real protocol state machines: it only delivers their messages (with latency,
/// loss and partitions), fires their timers at virtual instants, and keeps what they persist
/// across crashes. Everything random comes from one seed, and events at the same instant run
/// in scheduling order, so two runs with the same seed produce the same `traceHash`.
public final class Simulation<Node: SimulatedNode> {
    /// Builds a node: (itself, contacts, what it persisted before a restart, seed).
    public typealias Factory = (Peer, [Peer], Node.Snapshot?, UInt64) -> Node

    enum Event {
        case deliver(to: Int32, from: Int32, Node.Message)
        case timer(node: Int32, generation: UInt32, Node.Timer)
        case start(node: Int32, generation: UInt32)
    }

    public private(set) var now = Instant.zero
    public var network: NetworkModel
    public private(set) var peers: [Peer] = []
    public private(set) var status: [SimulatedNodeStatus] = []
    public private(set) var traceHash = TraceHash()
    public private(set) var messagesSent = 0
    public private(set) var messagesLost = 0
    private var messageKinds = MessageKindCounter()
    public private(set) var eventsProcessed = 0
    /// Invariant violations seen after any step (checked when `checkInvariants` is on).
    public private(set) var invariantViolations: [String] = []
    public var checkInvariants = false
    /// Called for every event a node emits: (time, node index, event).
    public var onEvent: ((Instant, Int, Node.Event) -> Void)?

    private let factory: Factory
    private var nodes: [Node?] = []
    private var generation: [UInt32] = []
    private var persisted: [Node.Snapshot?] = []
    private var contacts: [Peer] = []
    private var backlog: [Int: [Event]] = [:]
    private var queue = EventQueue<Event>()
    private var random: SeededRandom
    private var indexOfNode: [NodeID: Int32] = [:]

    /// - Parameters:
    ///   - nodes: how many nodes to create (named `node-0` …); none is started yet.
    ///   - contacts: indices of the contact nodes every node joins through.
    public init(nodes count: Int, contacts contactIndices: [Int], seed: UInt64, network: NetworkModel, factory: @escaping Factory) {
        self.factory = factory
        self.network = network
        self.random = SeededRandom(seed: seed)
        for index in 0..<count { appendNode(index) }
        contacts = contactIndices.map { peers[$0] }
    }

    private func appendNode(_ index: Int) {
        let peer = Peer("node-\(index)")
        peers.append(peer)
        indexOfNode[peer.id] = Int32(index)
        nodes.append(nil)
        generation.append(0)
        persisted.append(nil)
        status.append(.crashed)
    }

    public var nodeCount: Int { peers.count }

    /// Messages sent so far by kind, per node of `nodes` and second of `seconds`, most
    /// frequent first.
    public func messageRates(nodes: Int, seconds: Double) -> [MessageKindRate] {
        messageKinds.rates(nodes: nodes, seconds: seconds)
    }

    /// The index of a simulated node by id.
    public func index(of node: NodeID) -> Int? { indexOfNode[node].map(Int.init) }

    /// The node's state machine, if it is running (up or paused).
    public func node(_ index: Int) -> Node? { nodes[index] }

    /// Boots node `index` at `at` (default now), restoring what it persisted if it ran before.
    public func start(_ index: Int, at time: Instant? = nil) {
        generation[index] &+= 1
        let seed = random.next()
        nodes[index] = factory(peers[index], contacts, persisted[index], seed)
        status[index] = .up
        backlog[index] = nil
        queue.push(.start(node: Int32(index), generation: generation[index]), at: (time ?? now).nanoseconds)
    }

    /// Kills node `index` at once: no goodbye, its in-memory state is lost.
    public func crash(_ index: Int) {
        nodes[index] = nil
        status[index] = .crashed
        backlog[index] = nil
        generation[index] &+= 1
        traceHash.mix(0xC0 << 32 | UInt64(index))
    }

    /// Erases what a crashed node persisted, as a replaced or wiped disk would.
    public func wipe(_ index: Int) {
        guard status[index] == .crashed else { return }
        persisted[index] = nil
        traceHash.mix(0xF0 << 32 | UInt64(index))
    }

    /// Crashes and boots again with what the node had persisted.
    public func restart(_ index: Int) {
        crash(index)
        network.resetLinks(of: index)
        start(index)
    }

    /// Stops node `index` as SIGSTOP would: everything addressed to it waits.
    public func pause(_ index: Int) {
        guard status[index] == .up else { return }
        status[index] = .paused
        traceHash.mix(0xD0 << 32 | UInt64(index))
    }

    /// Resumes a paused node; what waited is handled now, late.
    public func resume(_ index: Int) {
        guard status[index] == .paused else { return }
        status[index] = .up
        traceHash.mix(0xE0 << 32 | UInt64(index))
        for event in backlog.removeValue(forKey: index) ?? [] {
            process(event)
        }
    }

    /// Asks node `index` to leave gracefully.
    public func leave(_ index: Int) {
        guard status[index] == .up else { return }
        apply(input: .leave, to: index)
    }

    /// Runs `body` on a live node now (to broadcast, say) and executes the effects it returns.
    public func perform(on index: Int, _ body: (inout Node, Instant) -> [Node.Effect]) {
        guard status[index] == .up, var node = nodes[index] else { return }
        nodes[index] = nil
        let effects = body(&node, now)
        nodes[index] = node
        for effect in effects { execute(effect, from: index) }
    }

    /// Processes events until virtual time reaches `deadline`.
    public func run(until deadline: Instant) {
        while let next = queue.nextTime, next <= deadline.nanoseconds {
            let entry = queue.pop()!
            now = Instant(nanoseconds: entry.time)
            process(entry.payload)
        }
        now = max(now, deadline)
    }

    private func process(_ event: Event) {
        eventsProcessed += 1
        switch event {
        case let .deliver(to, from, message):
            let index = Int(to)
            switch status[index] {
            case .crashed: return
            case .paused: backlog[index, default: []].append(event); return
            case .up: break
            }
            traceHash.mix(UInt64(now.nanoseconds) &* 31 &+ UInt64(to) << 40 &+ UInt64(from) << 16 &+ Node.traceCode(of: message))
            apply(input: .message(from: peers[Int(from)], message), to: index)
        case let .timer(node, nodeGeneration, timer):
            let index = Int(node)
            guard generation[index] == nodeGeneration else { return }
            switch status[index] {
            case .crashed: return
            case .paused: backlog[index, default: []].append(event); return
            case .up: break
            }
            traceHash.mix(UInt64(now.nanoseconds) &* 37 &+ UInt64(node) << 40 &+ Node.traceCode(of: timer))
            apply(input: .timer(timer), to: index)
        case let .start(node, nodeGeneration):
            let index = Int(node)
            guard generation[index] == nodeGeneration, status[index] == .up else { return }
            apply(input: .start, to: index)
        }
    }

    private func apply(input: SimulatedInput<Node.Message, Node.Timer>, to index: Int) {
        guard nodes[index] != nil else { return }
        // Mutated in place through the optional: no copy of the node per event.
        let effects = nodes[index]!.simulate(input, now: now)
        if checkInvariants {
            invariantViolations += nodes[index]!.invariantViolations().map { "node-\(index) at \(now): \($0)" }
        }
        for effect in effects { execute(effect, from: index) }
    }

    private func execute(_ effect: Node.Effect, from index: Int) {
        switch effect {
        case let .send(peer, message):
            messagesSent += 1
            messageKinds.count(code: Node.traceCode(of: message), name: Node.kindName(of: message))
            guard let destination = indexOfNode[peer.id] else { messagesLost += 1; return }
            if let arrival = network.deliveryTime(from: index, to: Int(destination), now: now.nanoseconds, random: &random) {
                queue.push(.deliver(to: destination, from: Int32(index), message), at: arrival)
            } else {
                messagesLost += 1
            }
        case let .setTimer(timer):
            let deadline = Node.deadline(of: timer).nanoseconds
            queue.push(.timer(node: Int32(index), generation: generation[index], timer), at: max(deadline, now.nanoseconds))
        case let .persist(snapshot):
            persisted[index] = Node.stored(snapshot, onto: persisted[index])
        case let .event(event):
            onEvent?(now, index, event)
        }
    }
}
