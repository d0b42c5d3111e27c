import LashupGossip
import LashupMembership
import LashupStore
import LashupWire

extension ClusterMessage {
    /// The frame this message travels in: one frame type per layer.
    public var frame: Frame {
        switch self {
        case let .node(.membership(message)): Frame(message)
        case let .node(.gossip(message)): Frame(message)
        case let .node(.sync(message)): Frame(message)
        case let .antiEntropy(message): Frame(message)
        }
    }

    /// Decodes a node-traffic frame; throws for a malformed payload or a type that is not
    /// node traffic.
    public init(frame: Frame, limits: WireLimits = .default) throws(WireError) {
        switch frame.type {
        case .membership: self = .node(.membership(try frame.decode(as: MembershipMessage.self, limits: limits)))
        case .gossip: self = .node(.gossip(try frame.decode(as: GossipMessage.self, limits: limits)))
        case .memberSync: self = .node(.sync(try frame.decode(as: MemberSync.self, limits: limits)))
        case .antiEntropy: self = .antiEntropy(try frame.decode(as: AntiEntropyMessage.self, limits: limits))
        default: throw .unknownTag(field: "frame.type", tag: UInt64(frame.type.rawValue))
        }
    }
}
