import LashupMembership

/// The simulated network between nodes: latency, random loss, partitions and per-link FIFO
/// order (node-to-node links are TCP connections, which never reorder).
public struct NetworkModel: Sendable {
    /// Mean one-way latency; each message takes a uniform draw in [0.5, 1.5] × this.
    public var latency: Duration
    /// Probability that any one message is lost.
    public var loss: Double
    /// Directed group pairs that cannot communicate (`from` group → `to` group).
    private var blockedGroups: Set<UInt64> = []
    /// The partition group of each node; all 0 when there is no partition.
    private var groupOfNode: [Int32]
    /// Last delivery time per directed link, to keep each link FIFO.
    private var lastDelivery: [UInt64: Int64] = [:]

    public init(nodes: Int, latency: Duration, loss: Double) {
        self.latency = latency
        self.loss = loss
        groupOfNode = Array(repeating: 0, count: nodes)
    }

    mutating func addNode() { groupOfNode.append(0) }

    /// Cuts `from` off from `to`: messages from the first set to the second are lost.
    /// With `symmetric`, the reverse direction is cut too.
    public mutating func partition(_ from: [Int], _ to: [Int], symmetric: Bool) {
        let fromGroup = Int32(blockedGroups.count * 2 + 1)
        let toGroup = fromGroup + 1
        for node in from { groupOfNode[node] = fromGroup }
        for node in to { groupOfNode[node] = toGroup }
        blockedGroups.insert(UInt64(UInt32(fromGroup)) << 32 | UInt64(UInt32(toGroup)))
        if symmetric { blockedGroups.insert(UInt64(UInt32(toGroup)) << 32 | UInt64(UInt32(fromGroup))) }
    }

    /// Removes every partition.
    public mutating func heal() {
        blockedGroups.removeAll()
        for index in groupOfNode.indices { groupOfNode[index] = 0 }
    }

    /// Whether a message from `from` to `to` can get through the partitions.
    public func canReach(_ from: Int, _ to: Int) -> Bool {
        guard !blockedGroups.isEmpty else { return true }
        let key = UInt64(UInt32(groupOfNode[from])) << 32 | UInt64(UInt32(groupOfNode[to]))
        return !blockedGroups.contains(key)
    }

    /// When a message sent now arrives, or `nil` if it is lost.
    mutating func deliveryTime(from: Int, to: Int, now: Int64, random: inout SeededRandom) -> Int64? {
        guard canReach(from, to) else { return nil }
        if loss > 0 && random.unit() < loss { return nil }
        let delay = Int64(Double(latency.nanosecondsValue) * (0.5 + random.unit()))
        let link = UInt64(UInt32(from)) << 32 | UInt64(UInt32(to))
        let arrival = max(now + max(delay, 1), lastDelivery[link] ?? 0)
        lastDelivery[link] = arrival
        return arrival
    }

    /// Forgets link order for a node's links (its connections died with it).
    mutating func resetLinks(of node: Int) {
        lastDelivery = lastDelivery.filter { key, _ in
            Int(key >> 32) != node && Int(key & 0xFFFF_FFFF) != node
        }
    }
}
