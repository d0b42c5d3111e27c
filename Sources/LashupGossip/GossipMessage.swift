import LashupMembership
import NIOCore

/// Plumtree's messages (Leitão, Pereira, Rodrigues, "Epidemic broadcast trees", 2007).
public enum GossipMessage: Sendable, Equatable {
    /// A payload pushed eagerly along the tree; `hops` counts from the origin.
    case gossip(id: BroadcastID, topic: String, payload: [UInt8], hops: UInt16)
    /// Lazy announcements: "I have these", sent to peers off the tree.
    case ihave([BroadcastID])
    /// "I missed this; send it, and put me on your tree."
    case graft(BroadcastID)
    /// "You sent me a duplicate of a message from `root`; take me off that root's tree."
    case prune(root: NodeID)
}

/// Something the broadcast layer tells its shell.
public enum GossipEffect: Sendable {
    case send(to: Peer, GossipMessage)
    /// A message for a topic this node subscribed to, delivered exactly once.
    case deliver(id: BroadcastID, topic: String, payload: [UInt8], hops: UInt16)
    case setTimer(GossipTimerID)
}

/// A Plumtree timer: waiting for a message announced by IHAVE (`broadcast` set), or the
/// flush of batched IHAVE announcements (`broadcast` nil).
public struct GossipTimerID: Hashable, Sendable {
    public let broadcast: BroadcastID?
    public let id: UInt64
    public let deadline: Instant
}
