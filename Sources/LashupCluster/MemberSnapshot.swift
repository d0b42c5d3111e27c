/// One known member as services see it.
public struct MemberSnapshot: Sendable, Equatable {
    public var name: String
    public var address: String
    public var incarnation: UInt64
    public var reachable: Bool
    /// Hops from this node along the broadcast tree; nil when unreachable.
    public var distance: Int?
    /// It announced a graceful leave.
    public var leaving: Bool
    public var isSelf: Bool
    /// What it published (empty until its record arrives).
    public var metadata: NodeMetadata

    public init(name: String, address: String, incarnation: UInt64, reachable: Bool, distance: Int?, leaving: Bool, isSelf: Bool, metadata: NodeMetadata) {
        self.name = name
        self.address = address
        self.incarnation = incarnation
        self.reachable = reachable
        self.distance = distance
        self.leaving = leaving
        self.isSelf = isSelf
        self.metadata = metadata
    }
}

/// Snapshots of every known member, sorted by name: the current one first, then one per change.
public typealias MemberSnapshots = AsyncStream<[MemberSnapshot]>

/// The reachability streams of one node, without I/O: each stream keeps only the newest
/// snapshot while its consumer is busy (a snapshot is the whole state, so nothing is lost),
/// and a snapshot equal to the last one is not sent.
public struct ReachabilityStreams: Sendable {
    /// Most streams open at once; beyond, `open` fails with `.tooManySubscriptions`.
    public let maximumStreams: Int
    private var streams: [UInt64: AsyncStream<[MemberSnapshot]>.Continuation] = [:]
    private var nextID: UInt64 = 0
    private var last: [MemberSnapshot]?

    public init(maximumStreams: Int = 64) { self.maximumStreams = maximumStreams }

    public var count: Int { streams.count }

    /// Opens a stream that starts with `current`. `onEnd` runs when its consumer goes away,
    /// and should call `close` with the id it is given.
    public mutating func open(current: [MemberSnapshot], onEnd: @escaping @Sendable (UInt64) -> Void) throws(ClusterError) -> MemberSnapshots {
        guard streams.count < maximumStreams else { throw .tooManySubscriptions(limit: maximumStreams) }
        nextID += 1
        let id = nextID
        let (stream, continuation) = AsyncStream.makeStream(of: [MemberSnapshot].self, bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { _ in onEnd(id) }
        continuation.yield(current)
        streams[id] = continuation
        last = current
        return stream
    }

    public mutating func close(_ id: UInt64) { streams[id] = nil }

    /// Sends `snapshot` to every stream unless it equals the last one sent.
    public mutating func publish(_ snapshot: [MemberSnapshot]) {
        guard !streams.isEmpty, snapshot != last else { return }
        last = snapshot
        for continuation in streams.values { continuation.yield(snapshot) }
    }

    /// Ends every stream (the node stops).
    public mutating func finish() {
        for continuation in streams.values { continuation.finish() }
        streams.removeAll()
    }
}
