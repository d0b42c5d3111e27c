import LashupNode
import Synchronization

/// The inputs waiting for a node, in arrival order. Peers' messages beyond `capacity` are
/// dropped and counted (the protocols recover from loss: retries, anti-entropy); the node's
/// own timers and lost-connection reports are always queued, since dropping a timer would
/// silence the protocol that armed it, and there are only as many as the node arms.
public final class NodeInbox: Sendable {
    public let capacity: Int
    let stream: AsyncStream<ClusterInput>
    let continuation: AsyncStream<ClusterInput>.Continuation
    let queuedMessages = Atomic<Int>(0)
    let droppedMessages = Atomic<Int>(0)

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
        (stream, continuation) = AsyncStream.makeStream(of: ClusterInput.self)
    }

    /// Messages waiting now.
    public var depth: Int { queuedMessages.load(ordering: .relaxed) }
    /// Messages dropped so far because the inbox was full.
    public var dropped: Int { droppedMessages.load(ordering: .relaxed) }

    /// Queues an input from any thread.
    public func enqueue(_ input: ClusterInput) {
        if case .message = input {
            guard queuedMessages.add(1, ordering: .relaxed).newValue <= capacity else {
                queuedMessages.subtract(1, ordering: .relaxed)
                droppedMessages.add(1, ordering: .relaxed)
                return
            }
        }
        if case .terminated = continuation.yield(input), case .message = input {
            queuedMessages.subtract(1, ordering: .relaxed)
        }
    }

    /// Called by the consumer for each input it takes.
    func taken(_ input: ClusterInput) {
        if case .message = input { queuedMessages.subtract(1, ordering: .relaxed) }
    }

    func finish() { continuation.finish() }
}
