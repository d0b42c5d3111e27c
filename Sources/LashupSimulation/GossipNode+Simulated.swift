import LashupGossip
import LashupMembership

/// What a simulated full node reports: its events, and each broadcast it delivered.
public enum GossipObservation: Sendable {
    case node(NodeEvent)
    case delivered(BroadcastID, topic: String, hops: UInt16)
}

extension GossipNode: SimulatedNode {
    public typealias Message = NodeMessage
    public typealias Timer = NodeTimer
    public typealias Snapshot = NodeSnapshot
    public typealias Event = GossipObservation

    public mutating func simulate(_ input: SimulatedInput<NodeMessage, NodeTimer>, now: Instant) -> [SimulatedEffect<NodeMessage, NodeTimer, NodeSnapshot, GossipObservation>] {
        let nodeInput: NodeInput
        switch input {
        case .start: nodeInput = .start
        case let .message(from, message): nodeInput = .message(from: from, message)
        case let .timer(timer): nodeInput = .timer(timer)
        case .leave: nodeInput = .leave
        }
        return GossipNode.simulated(handle(nodeInput, now: now))
    }

    /// Maps the node's effects onto the simulator's.
    public static func simulated(_ effects: [NodeEffect]) -> [SimulatedEffect<NodeMessage, NodeTimer, NodeSnapshot, GossipObservation>] {
        effects.compactMap { effect in
            switch effect {
            case let .send(peer, message): .send(to: peer, message)
            case let .setTimer(timer): .setTimer(timer)
            case let .persist(snapshot): .persist(snapshot)
            case let .event(event): .event(.node(event))
            case let .deliver(id, topic, _, hops): .event(.delivered(id, topic: topic, hops: hops))
            case .disconnect: nil
            }
        }
    }

    public var simulatedActiveView: [Peer] { membership.activeView }
    public static func deadline(of timer: NodeTimer) -> Instant { timer.deadline }
    public static func traceCode(of timer: NodeTimer) -> UInt64 { timer.uniqueID }
    public static func traceCode(of message: NodeMessage) -> UInt64 { UInt64(message.kindCode) }
    public static func kindName(of message: NodeMessage) -> String { message.kind }
}

/// The simulation of whole nodes: overlay, broadcast, global membership and routes.
public typealias GossipSimulation = Simulation<GossipNode>

extension Simulation where Node == GossipNode {
    /// Full nodes named `node-0` …; a restarted node runs the next incarnation.
    public convenience init(nodes count: Int, contacts: [Int], seed: UInt64, network: NetworkModel, config: GossipNodeConfig = GossipNodeConfig(), topics: [String] = []) {
        self.init(nodes: count, contacts: contacts, seed: seed, network: network) { peer, contacts, restored, seed in
            var node = GossipNode(
                me: peer, incarnation: (restored?.incarnation ?? 0) + 1, contacts: contacts,
                restored: restored?.membership, config: config, seed: seed
            )
            for topic in topics { node.subscribe(topic) }
            return node
        }
    }

    /// Broadcasts from node `index` now; returns the id, or nil if the node is not up.
    @discardableResult
    public func broadcast(from index: Int, topic: String, payload: [UInt8]) -> BroadcastID? {
        var id: BroadcastID?
        perform(on: index) { node, now in
            guard let (broadcastID, effects) = try? node.broadcast(topic: topic, payload: payload, now: now) else { return [] }
            id = broadcastID
            return GossipNode.simulated(effects)
        }
        return id
    }
}
