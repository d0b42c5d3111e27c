import LashupCRDT
import LashupGossip
import LashupMembership
import LashupNode
import LashupStore

/// What a simulated full node reports.
public enum ClusterObservation: Sendable {
    case event(ClusterEvent)
    case delivered(BroadcastID, topic: String, hops: UInt16)
}

extension LashupNode: SimulatedNode {
    public typealias Message = ClusterMessage
    public typealias Timer = ClusterTimer
    public typealias Snapshot = DurableWrite
    public typealias Event = ClusterObservation

    public mutating func simulate(_ input: SimulatedInput<ClusterMessage, ClusterTimer>, now: Instant) -> [SimulatedEffect<ClusterMessage, ClusterTimer, DurableWrite, ClusterObservation>] {
        let clusterInput: ClusterInput
        switch input {
        case .start: clusterInput = .start
        case let .message(from, message): clusterInput = .message(from: from, message)
        case let .timer(timer): clusterInput = .timer(timer)
        case .leave: clusterInput = .leave
        }
        return LashupNode.simulated(handle(clusterInput, now: now))
    }

    /// Maps the node's effects onto the simulator's. The simulated disk is synchronous, so a
    /// `persist` is durable before the effects after it run, as the contract requires.
    public static func simulated(_ effects: [ClusterEffect]) -> [SimulatedEffect<ClusterMessage, ClusterTimer, DurableWrite, ClusterObservation>] {
        effects.compactMap { effect in
            switch effect {
            case let .send(peer, message): .send(to: peer, message)
            case let .setTimer(timer): .setTimer(timer)
            case let .persist(write): .persist(write)
            case let .event(event): .event(.event(event))
            case let .deliver(id, topic, _, hops): .event(.delivered(id, topic: topic, hops: hops))
            case .disconnect: nil
            }
        }
    }

    public static func stored(_ write: DurableWrite, onto previous: DurableWrite?) -> DurableWrite {
        previous?.followed(by: write) ?? write
    }

    public var simulatedActiveView: [Peer] { gossip.membership.activeView }
    public static func deadline(of timer: ClusterTimer) -> Instant { timer.deadline }
    public static func traceCode(of timer: ClusterTimer) -> UInt64 { timer.uniqueID }
    public static func traceCode(of message: ClusterMessage) -> UInt64 { UInt64(message.kindCode) }
    public static func kindName(of message: ClusterMessage) -> String { message.kind }
}

/// The simulation of full nodes: overlay, broadcast, membership and the replicated store.
public typealias ClusterSimulation = Simulation<LashupNode>

extension Simulation where Node == LashupNode {
    /// Full nodes named `node-0` …; a restarted node runs the next incarnation and restores
    /// the keys it made durable. Each run writes as a fresh replica (named from the node and
    /// the run's seed), as the real shell does, so a wiped disk can never reuse a dot.
    public convenience init(nodes count: Int, contacts: [Int], seed: UInt64, network: NetworkModel, config: ClusterConfig = ClusterConfig()) {
        self.init(nodes: count, contacts: contacts, seed: seed, network: network) { peer, contacts, restored, seed in
            let incarnation = (restored?.node?.incarnation ?? 0) + 1
            return LashupNode(
                me: peer, incarnation: incarnation,
                replica: ReplicaID("\(peer.id.name)~\(String(seed, radix: 36))"),
                contacts: contacts, restored: restored, config: config, seed: seed
            )
        }
    }

    /// Applies `operations` to `key` on node `index` now. Returns the new value once it is
    /// durable there (acknowledged), or nil when the node is not up or refused the update.
    @discardableResult
    public func update(on index: Int, _ key: Key, _ operations: [MapOperation]) -> Causal<ORMap>? {
        var value: Causal<ORMap>?
        perform(on: index) { node, now in
            guard let (newValue, effects) = try? node.update(key, operations, now: now) else { return [] }
            value = newValue
            return LashupNode.simulated(effects)
        }
        return value
    }

    /// How many different key spaces the running nodes hold (1: every replica identical),
    /// compared by bucket digests.
    public func distinctKeySpaces() -> Int {
        var seen: Set<[UInt64]> = []
        for index in 0..<nodeCount {
            guard var space = node(index)?.space else { continue }
            space.refreshDigests()
            seen.insert(space.bucketDigests())
        }
        return seen.count
    }

    /// Deletes `key` on node `index` now; false when the node is not up.
    @discardableResult
    public func delete(on index: Int, _ key: Key) -> Bool {
        var done = false
        perform(on: index) { node, now in
            done = true
            return LashupNode.simulated(node.delete(key, now: now))
        }
        return done
    }
}
