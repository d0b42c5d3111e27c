/// Recently broadcast payloads, kept to answer grafts; bounded by count and bytes, oldest
/// forgotten first.
struct PayloadCache: Sendable {
    struct Entry: Sendable {
        var topic: String
        var payload: [UInt8]
        var hops: UInt16
    }

    let maximumCount: Int
    let maximumBytes: Int
    private var entries: [BroadcastID: Entry] = [:]
    private var order: [BroadcastID] = []
    private var head = 0
    private(set) var bytes = 0

    init(maximumCount: Int, maximumBytes: Int) {
        self.maximumCount = maximumCount
        self.maximumBytes = maximumBytes
    }

    var count: Int { entries.count }
    subscript(id: BroadcastID) -> Entry? { entries[id] }

    mutating func insert(_ id: BroadcastID, _ entry: Entry) {
        guard entries[id] == nil, entry.payload.count <= maximumBytes else { return }
        entries[id] = entry
        order.append(id)
        bytes += entry.payload.count
        while entries.count > maximumCount || bytes > maximumBytes {
            let oldest = order[head]
            head += 1
            if let removed = entries.removeValue(forKey: oldest) { bytes -= removed.payload.count }
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
