import LashupCRDT
import LashupGossip
import LashupMembership
import LashupStore

/// Every message between two full nodes.
public enum ClusterMessage: Sendable, Equatable {
    /// Overlay, broadcast and global membership.
    case node(NodeMessage)
    /// Repair of the key space by digest.
    case antiEntropy(AntiEntropyMessage)

    /// A small code per layer and kind, for trace hashing.
    public var kindCode: UInt8 {
        switch self {
        case let .node(message): message.kindCode
        case let .antiEntropy(message):
            switch message {
            case .buckets: 0x41
            case .keys: 0x42
            case .states: 0x43
            }
        }
    }

    /// A short name per kind, for counts by kind.
    public var kind: String {
        switch self {
        case let .node(message): message.kind
        case let .antiEntropy(message):
            switch message {
            case .buckets: "anti_entropy_buckets"
            case .keys: "anti_entropy_keys"
            case .states: "anti_entropy_states"
            }
        }
    }
}

/// A timer of the node or of its store.
public enum ClusterTimer: Sendable, Hashable {
    case node(NodeTimer)
    /// Open an anti-entropy session with a random neighbour.
    case antiEntropy(id: UInt64, deadline: Instant)
    /// Report which tombstones this node holds, and collect those every member has.
    case tombstones(id: UInt64, deadline: Instant)

    public var deadline: Instant {
        switch self {
        case let .node(timer): timer.deadline
        case let .antiEntropy(_, deadline), let .tombstones(_, deadline): deadline
        }
    }

    /// Unique within a node, for trace hashing.
    public var uniqueID: UInt64 {
        switch self {
        case let .node(timer): timer.uniqueID
        case let .antiEntropy(id, _), let .tombstones(id, _): id | 1 << 61
        }
    }
}

/// What must be durable: the node's overlay snapshot, the new states of some keys, and keys
/// whose tombstones were collected (to be removed). States are whole (not deltas), so a later
/// write of a key replaces an earlier one.
public struct DurableWrite: Sendable, Equatable {
    public var node: NodeSnapshot?
    public var keys: [Key: Causal<ORMap>]
    public var forgotten: Set<Key>

    public init(node: NodeSnapshot? = nil, keys: [Key: Causal<ORMap>] = [:], forgotten: Set<Key> = []) {
        self.node = node
        self.keys = keys
        self.forgotten = forgotten
    }

    /// This write with `later` applied on top, as a disk would hold them.
    public func followed(by later: DurableWrite) -> DurableWrite {
        var result = self
        if let node = later.node { result.node = node }
        for key in later.forgotten { result.keys[key] = nil }
        result.forgotten.formUnion(later.forgotten)
        for (key, state) in later.keys {
            result.keys[key] = state
            result.forgotten.remove(key)
        }
        return result
    }
}

/// What the node tells its shell and services.
public enum ClusterEvent: Sendable, Equatable {
    case node(NodeEvent)
    /// The value of `key` changed here through replication (a local update reports its own
    /// result instead).
    case keyChanged(Key)
}

/// An instruction from the node to its shell. Effects are executed in order, and a `persist`
/// must be durable before any later effect of the same batch is carried out: an update is
/// acknowledged, and its delta leaves the node, only once it is on disk.
public enum ClusterEffect: Sendable {
    case send(to: Peer, ClusterMessage)
    case disconnect(NodeID)
    case setTimer(ClusterTimer)
    case persist(DurableWrite)
    /// A broadcast on an application topic, delivered exactly once.
    case deliver(id: BroadcastID, topic: String, payload: [UInt8], hops: UInt16)
    case event(ClusterEvent)
}

/// An input to the node.
public enum ClusterInput: Sendable {
    case start
    case message(from: Peer, ClusterMessage)
    case timer(ClusterTimer)
    case connectionLost(NodeID)
    case leave
}

/// Tunables of a full node.
public struct ClusterConfig: Sendable {
    public var node = GossipNodeConfig()
    public var limits = StoreLimits()
    public var antiEntropy = AntiEntropy()
    /// How often a node compares its key space with a random neighbour (jittered ±50 %). A new
    /// neighbour is compared at once, so this only bounds how long a lost delta goes unrepaired.
    public var antiEntropyInterval = Duration.seconds(10)
    /// How often a node reports the tombstones it holds (jittered ±50 %).
    public var tombstoneReportInterval = Duration.seconds(30)
    /// A tombstone younger than this is never collected, whoever reported it: it outlives
    /// any broadcast still cached or in flight that could carry what it deleted.
    public var tombstoneMinimumAge = Duration.seconds(600)
    /// Most tombstones named in one report, and most tracked for collection.
    public var maximumTombstonesPerReport = 1_000

    public init() {}
}

/// Counters of the store's replication, for metrics and the simulator.
public struct ClusterStatistics: Sendable, Equatable {
    public var deltasBroadcast = 0
    public var deltaBytesBroadcast = 0
    /// Deltas not broadcast (too large for one broadcast): anti-entropy carries them.
    public var deltasLeftToAntiEntropy = 0
    public var deltasReceived = 0
    public var deltasApplied = 0
    /// Undecodable replication payloads (counted and dropped).
    public var payloadsRejected = 0
    public var antiEntropySessionsOpened = 0
    public var antiEntropyMessagesReceived = 0
    /// Keys whose value an anti-entropy exchange changed here.
    public var keysRepaired = 0
    public var tombstonesCollected = 0

    public init() {}
}
