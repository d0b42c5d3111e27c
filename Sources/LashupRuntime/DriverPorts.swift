import LashupMembership
import LashupNode
import LashupStorage
import LashupStore

/// Where `NodeDriver` makes the node's state durable: `SQLiteStorage` in the agent, a
/// recording fake in the driver's ordering tests.
public protocol DurableStorage: Sendable {
    /// Returns once `write` is on disk (one transaction), or throws and keeps nothing.
    func persist(_ write: DurableWrite) async throws
}

/// Where `NodeDriver` sends the node's messages: `Transport` in the agent, a recording fake
/// in the driver's ordering tests.
public protocol MessageTransport: Sendable {
    func send(_ message: ClusterMessage, to peer: Peer)
    func disconnect(_ node: NodeID)
    var statistics: TransportStatistics { get }
}

extension SQLiteStorage: DurableStorage {}

extension Transport: MessageTransport {}
