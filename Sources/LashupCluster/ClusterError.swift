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
    /// The write could not be made durable; it was not acknowledged and did not leave.
    case notDurable(reason: String)

    public var description: String {
        switch self {
        case let .rejected(error): error.description
        case let .tooManySubscriptions(limit): "too many watches (limit \(limit)); close one or retry later"
        case .shuttingDown: "the agent is shutting down"
        case let .notDurable(reason): "the write could not be made durable and was not applied: \(reason)"
        }
    }
}
