import LashupStore

/// Why the cluster refused or could not carry out a request; each case is one thing a caller
/// may handle differently (an API maps them to different statuses).
public enum ClusterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The store refused the request (bad key, too large, conflict, write queue full …).
    case rejected(StoreError)
    /// Every change-feed slot is taken; close one or retry later.
    case tooManySubscriptions(limit: Int)
    /// The node is stopping and takes no more requests.
    case shuttingDown
    /// The write could not be made durable on this node. It was not acknowledged and has not
    /// left the node, but the node keeps it and retries the disk, so it may still take effect.
    case notDurable(reason: String)

    public var description: String {
        switch self {
        case let .rejected(error): error.description
        case let .tooManySubscriptions(limit): "too many watches (limit \(limit)); close one or retry later"
        case .shuttingDown: "the agent is shutting down"
        case let .notDurable(reason): "the write was not made durable: \(reason). Its outcome is unknown: this node keeps it and writes it again every second until the disk takes it, so it may still take effect; read the key to know"
        }
    }
}
