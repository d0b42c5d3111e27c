import LashupCRDT

/// A server behind a VIP, published by the agent of the host it runs on.
public struct Backend: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The node name of the agent that hosts it (whose reachability decides whether it is used).
    public var agent: String
    public var address: IPAddress
    public var port: UInt16
    /// Share of new connections relative to the VIP's other backends; 0 drains it (no new
    /// connections, established ones keep flowing).
    public var weight: UInt32

    /// Largest weight accepted; larger values are clamped, so a typo cannot starve the others
    /// of the kernel's fixed random range.
    public static let maximumWeight: UInt32 = 10_000

    public init(agent: String, address: IPAddress, port: UInt16, weight: UInt32 = 1) {
        self.agent = agent
        self.address = address
        self.port = port
        self.weight = min(weight, Self.maximumWeight)
    }

    /// The backend without its weight: what a weight change keeps.
    public var endpoint: Endpoint { Endpoint(agent: agent, address: address, port: port) }

    public var description: String {
        "\(agent)/\(address.isIPv4 ? address.description : "[\(address)]"):\(port)@\(weight)"
    }

    public static func < (lhs: Backend, rhs: Backend) -> Bool { (lhs.endpoint, lhs.weight) < (rhs.endpoint, rhs.weight) }

    /// Where a backend is, independent of its weight.
    public struct Endpoint: Sendable, Hashable, Comparable {
        public var agent: String
        public var address: IPAddress
        public var port: UInt16

        public init(agent: String, address: IPAddress, port: UInt16) {
            self.agent = agent
            self.address = address
            self.port = port
        }

        public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
            if lhs.agent != rhs.agent { return lhs.agent.utf8.lexicographicallyPrecedes(rhs.agent.utf8) }
            return (lhs.address, lhs.port) < (rhs.address, rhs.port)
        }
    }
}
