/// Priority of a neighbour request: high when the requester has no neighbour at all, so a full
/// node must accept it (evicting someone) rather than leave the requester isolated.
public enum NeighborPriority: UInt8, Sendable {
    case low = 0
    case high = 1
}

/// Every message the membership layer exchanges. The sender's identity comes from the
/// transport (the authenticated connection), not from the payload.
public enum MembershipMessage: Sendable, Equatable {
    /// A new node asks a contact to let it in.
    case join(joiner: Peer)
    /// The contact added the joiner to its active view; a sample of its passive view follows.
    case joinAccept(passiveSample: [Peer])
    /// The contact is throttling joins; try one of these instead.
    case joinDeny(alternatives: [Peer])
    /// A random walk announcing a joiner; see HyParView's ARWL / PRWL.
    case forwardJoin(joiner: Peer, ttl: UInt8)
    /// Ask to become active neighbours (the only way into an active view besides a join).
    case neighbor(requester: Peer, priority: NeighborPriority)
    /// The request was accepted: both sides now hold each other in their active views.
    case neighborAccept
    /// The request was refused; a sample of the refuser's passive view follows.
    case neighborReject(passiveSample: [Peer])
    /// The sender dropped the link; `leaving` means it is shutting down for good.
    case disconnect(leaving: Bool)
    /// A shuffle walk carrying a small sample of the origin's views.
    case shuffle(origin: Peer, sample: [Peer], ttl: UInt8, id: UInt64)
    /// The answer to a shuffle, sent straight to its origin.
    case shuffleReply(sample: [Peer], id: UInt64)
    /// A direct liveness probe.
    case ping(sequence: UInt64)
    /// Answer to a ping; `isNeighbor` tells the pinger whether the link is still mutual.
    case pong(sequence: UInt64, isNeighbor: Bool)
    /// Please probe `target` for me (SWIM ping-req).
    case pingRequest(target: Peer, sequence: UInt64)
    /// The outcome of a ping-req.
    case pingRequestResult(target: NodeID, sequence: UInt64, alive: Bool)

    /// A short name for traces and metrics.
    public var kind: String {
        switch self {
        case .join: "join"
        case .joinAccept: "join_accept"
        case .joinDeny: "join_deny"
        case .forwardJoin: "forward_join"
        case .neighbor: "neighbor"
        case .neighborAccept: "neighbor_accept"
        case .neighborReject: "neighbor_reject"
        case .disconnect: "disconnect"
        case .shuffle: "shuffle"
        case .shuffleReply: "shuffle_reply"
        case .ping: "ping"
        case .pong: "pong"
        case .pingRequest: "ping_request"
        case .pingRequestResult: "ping_request_result"
        }
    }

    /// A small integer per kind, for trace hashing.
    public var kindCode: UInt8 {
        switch self {
        case .join: 1
        case .joinAccept: 2
        case .joinDeny: 3
        case .forwardJoin: 4
        case .neighbor: 5
        case .neighborAccept: 6
        case .neighborReject: 7
        case .disconnect: 8
        case .shuffle: 9
        case .shuffleReply: 10
        case .ping: 11
        case .pong: 12
        case .pingRequest: 13
        case .pingRequestResult: 14
        }
    }
}

/// A timer a node asked its shell for. `id` is unique per node, so a timer that fired after
/// the node moved on is recognised as stale and ignored.
public struct TimerID: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case ping(NodeID)
        case pingTimeout(NodeID)
        case indirectTimeout(NodeID)
        case neighborRequestTimeout(NodeID)
        case relayTimeout(UInt64)
        case joinTimeout
        case maintenance
        case shuffle
        case knownMemberProbe
        case persist
    }

    public let kind: Kind
    public let id: UInt64
    /// When it is due; a timer that fires much later tells the node it was not running.
    public let deadline: Instant
}

/// Why a neighbour left the active view.
public enum NeighborDownReason: String, Sendable {
    /// The failure detector found it dead: no direct or indirect answer for several rounds.
    case failed
    /// Reachable only indirectly for many probes: the direct link is broken.
    case linkBroken
    /// It disconnected (or was displaced to make room).
    case disconnected
    /// It announced a graceful leave.
    case left
    /// The transport reported the connection closed.
    case connectionLost
}

/// Something the node tells its shell and upper layers.
public enum MembershipEvent: Sendable, Equatable {
    case neighborUp(Peer)
    case neighborDown(Peer, reason: NeighborDownReason)
}

/// What a restarted node needs to rejoin without contact nodes.
public struct MembershipSnapshot: Sendable, Equatable {
    public var passiveView: [Peer]
    public var knownMembers: [Peer]

    public init(passiveView: [Peer] = [], knownMembers: [Peer] = []) {
        self.passiveView = passiveView
        self.knownMembers = knownMembers
    }
}

/// An instruction from the node to its shell.
public enum MembershipEffect: Sendable {
    /// Deliver `message` to `peer` (opening a connection if needed).
    case send(to: Peer, MembershipMessage)
    /// Close the connection to this node; it is no longer a neighbour.
    case disconnect(NodeID)
    /// Fire `.timer(id)` at `id.deadline`.
    case setTimer(TimerID)
    /// The timer is no longer needed (firing it anyway is harmless).
    case cancelTimer(TimerID)
    /// Store this durably; pass it back to `MembershipNode.init` after a restart.
    case persist(MembershipSnapshot)
    /// Tell upper layers.
    case event(MembershipEvent)
}

/// An input to the node.
public enum MembershipInput: Sendable {
    /// Begin: join through the contacts or the persisted views.
    case start
    /// A message arrived from `from` (identified by the transport).
    case message(from: Peer, MembershipMessage)
    /// A timer this node set has fired.
    case timer(TimerID)
    /// The transport lost the connection to this node, or could not open it.
    case connectionLost(NodeID)
    /// Leave the cluster gracefully.
    case leave
    /// Ask `peer` to become a neighbour (used by upper layers to heal partitions).
    case requestNeighbor(Peer, NeighborPriority)
}
