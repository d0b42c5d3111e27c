import LashupMembership

/// The broadcasts this node has seen, for deduplication, kept compactly.
///
/// An origin numbers its broadcasts 1, 2, 3 … within each incarnation, so nearly every id a
/// node has seen from one origin lies at or below a contiguous watermark. Per origin and
/// incarnation this keeps that watermark and the few sequence numbers seen above it. Keeping
/// every id instead (a set of up to 100 000, 40 bytes each plus the set's overhead) took
/// 0.6 MB per node in a 1 000-node simulation (peak 3.1 GiB, now 2.5 GiB), and would start
/// forgetting ids, and delivering old broadcasts again, in a cluster that broadcasts more.
///
/// Bounds, each with a defined overflow:
/// - sequence numbers above a watermark: `maximumAboveWatermark`. Beyond it the oldest gap is
///   given up as seen (a broadcast that never arrived here, as after a partition, and is
///   repaired by digests instead); a copy arriving later is then treated as a duplicate.
/// - incarnations per origin: `incarnationsPerOrigin`, the newest. An id of an older one
///   counts as seen: its origin has restarted since, and its broadcasts are stale.
/// - origins: `maximumOrigins`, the oldest forgotten first, as if never heard from.
/// Everything given up is counted in `forgotten`.
public struct SeenBroadcasts: Sendable {
    public static let incarnationsPerOrigin = 4

    struct Incarnation: Sendable {
        var number: UInt64
        /// Every sequence number up to this one was seen.
        var contiguous: UInt64 = 0
        /// Sequence numbers seen above `contiguous + 1`.
        var above: Set<UInt64> = []
    }

    public let maximumOrigins: Int
    public let maximumAboveWatermark: Int
    /// Ids given up as seen, or origins forgotten, to stay within the bounds.
    public private(set) var forgotten = 0
    /// Each origin's incarnations, oldest first.
    private var byOrigin: [NodeID: [Incarnation]] = [:]
    private var originOrder: [NodeID] = []
    private var originHead = 0

    public init(maximumOrigins: Int, maximumAboveWatermark: Int) {
        precondition(maximumOrigins > 0 && maximumAboveWatermark > 0)
        self.maximumOrigins = maximumOrigins
        self.maximumAboveWatermark = maximumAboveWatermark
    }

    /// Origins tracked.
    public var originCount: Int { byOrigin.count }
    /// Sequence numbers held above the watermarks, over all origins.
    public var idsAboveWatermarks: Int { byOrigin.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.above.count } } }

    public func contains(_ id: BroadcastID) -> Bool {
        guard let incarnations = byOrigin[id.origin] else { return false }
        if let entry = incarnations.first(where: { $0.number == id.incarnation }) {
            return id.sequence <= entry.contiguous || entry.above.contains(id.sequence)
        }
        return incarnations.count == SeenBroadcasts.incarnationsPerOrigin && id.incarnation < incarnations[0].number
    }

    /// Records `id` as seen; returns false if it already was.
    @discardableResult
    public mutating func insert(_ id: BroadcastID) -> Bool {
        var position = byOrigin.index(forKey: id.origin)
        if position == nil {
            addOrigin(id.origin)
            position = byOrigin.index(forKey: id.origin)
        }
        var forgottenNow = 0
        // Mutated in place, through the index found once: a copy taken out of the table would
        // make the next write copy the array, and the set of ids above the watermark with it.
        let inserted = SeenBroadcasts.insert(id, into: &byOrigin.values[position!], maximumAboveWatermark: maximumAboveWatermark, forgotten: &forgottenNow)
        forgotten += forgottenNow
        return inserted
    }

    private static func insert(_ id: BroadcastID, into incarnations: inout [Incarnation], maximumAboveWatermark: Int, forgotten: inout Int) -> Bool {
        guard let index = place(id.incarnation, in: &incarnations, forgotten: &forgotten) else { return false }
        // The usual case, the next id in order, moves the watermark without touching the set.
        if id.sequence == incarnations[index].contiguous + 1 {
            incarnations[index].contiguous = id.sequence
            if !incarnations[index].above.isEmpty { advance(&incarnations[index]) }
            return true
        }
        guard id.sequence > incarnations[index].contiguous, incarnations[index].above.insert(id.sequence).inserted else { return false }
        advance(&incarnations[index])
        if incarnations[index].above.count > maximumAboveWatermark, let lowest = incarnations[index].above.min() {
            forgotten += Int(lowest - incarnations[index].contiguous - 1)
            incarnations[index].contiguous = lowest - 1
            advance(&incarnations[index])
        }
        return true
    }

    /// The index of `incarnation` in `incarnations`, added in order if new; nil when it is
    /// older than every one kept and there is no room (its ids count as seen).
    private static func place(_ incarnation: UInt64, in incarnations: inout [Incarnation], forgotten: inout Int) -> Int? {
        if let index = incarnations.firstIndex(where: { $0.number == incarnation }) { return index }
        let position = incarnations.firstIndex { $0.number > incarnation } ?? incarnations.count
        if incarnations.count == SeenBroadcasts.incarnationsPerOrigin {
            guard position > 0 else { return nil }
            forgotten += 1
            incarnations.removeFirst()
            incarnations.insert(Incarnation(number: incarnation), at: position - 1)
            return position - 1
        }
        incarnations.insert(Incarnation(number: incarnation), at: position)
        return position
    }

    /// Moves the watermark over every sequence number now contiguous with it.
    private static func advance(_ entry: inout Incarnation) {
        while entry.above.remove(entry.contiguous + 1) != nil { entry.contiguous += 1 }
    }

    private mutating func addOrigin(_ origin: NodeID) {
        if originOrder.count - originHead >= maximumOrigins {
            byOrigin[originOrder[originHead]] = nil
            originHead += 1
            forgotten += 1
        }
        originOrder.append(origin)
        if originHead > 1024 && originHead * 2 > originOrder.count {
            originOrder.removeFirst(originHead)
            originHead = 0
        }
        byOrigin[origin] = []
    }
}
