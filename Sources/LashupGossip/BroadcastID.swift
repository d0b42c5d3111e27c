import LashupMembership
import LashupWire

/// Identifies one broadcast cluster-wide: the origin, the origin's incarnation (so a restarted
/// node never reuses an id) and a sequence number within that incarnation.
public struct BroadcastID: Hashable, Sendable, CustomStringConvertible {
    public let origin: NodeID
    public let incarnation: UInt64
    public let sequence: UInt64

    public init(origin: NodeID, incarnation: UInt64, sequence: UInt64) {
        self.origin = origin
        self.incarnation = incarnation
        self.sequence = sequence
    }

    public var description: String { "\(origin)#\(incarnation).\(sequence)" }
}

extension BroadcastID: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeString(origin.name)
        writer.writeVarint(incarnation)
        writer.writeVarint(sequence)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        origin = try NodeID.read(from: &reader, "broadcast.origin")
        incarnation = try reader.readVarint("broadcast.incarnation")
        sequence = try reader.readVarint("broadcast.sequence")
    }
}

/// A set of ids that remembers at most `capacity` entries, forgetting the oldest first.
/// Plumtree's "have I seen this?" memory: bounded, with the bound and the evictions visible.
public struct BoundedIDSet<ID: Hashable & Sendable>: Sendable {
    public let capacity: Int
    private var members: Set<ID> = []
    private var order: [ID] = []
    private var head = 0
    public private(set) var evictions = 0

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var count: Int { members.count }

    /// Every remembered id, in a deterministic order (insertion order, rotated by evictions).
    public var elements: [ID] { order }
    public func contains(_ id: ID) -> Bool { members.contains(id) }

    /// Inserts `id`; returns false if it was already present.
    @discardableResult
    public mutating func insert(_ id: ID) -> Bool { add(id).inserted }

    /// Inserts `id` if absent; returns the oldest id, forgotten to make room, if any.
    @discardableResult
    public mutating func insertEvicting(_ id: ID) -> ID? { add(id).evicted }

    private mutating func add(_ id: ID) -> (inserted: Bool, evicted: ID?) {
        guard members.insert(id).inserted else { return (false, nil) }
        if order.count < capacity {
            order.append(id)
            return (true, nil)
        }
        let evicted = order[head]
        members.remove(evicted)
        order[head] = id
        head = (head + 1) % capacity
        evictions += 1
        return (true, evicted)
    }
}
