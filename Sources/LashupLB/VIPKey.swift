import LashupCRDT

/// The transport protocol a VIP balances.
public enum VIPProtocol: String, Sendable, Hashable, Comparable, CaseIterable, Codable {
    case tcp, udp

    public static func < (lhs: VIPProtocol, rhs: VIPProtocol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a client connects to: an address it already knows, or a name the cluster gives an
/// address (`web.marathon` is served as `web.marathon.l4lb.thisdcos.directory`).
public enum VIPTarget: Sendable, Hashable, Comparable, CustomStringConvertible {
    case address(IPAddress)
    /// Sanitised dot-separated labels, without the `l4lb.thisdcos.directory` zone.
    case name(String)

    public var description: String {
        switch self {
        case let .address(address): address.isIPv4 ? address.description : "[\(address)]"
        case let .name(name): name
        }
    }

    public static func < (lhs: VIPTarget, rhs: VIPTarget) -> Bool {
        switch (lhs, rhs) {
        case let (.address(left), .address(right)): left < right
        case let (.name(left), .name(right)): left.utf8.lexicographicallyPrecedes(right.utf8)
        case (.address, .name): true
        case (.name, .address): false
        }
    }
}

/// One virtual service: `(protocol, VIP, port)`, the unit the store and the kernel key on.
public struct VIPKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var transport: VIPProtocol
    public var target: VIPTarget
    public var port: UInt16

    public init(_ transport: VIPProtocol, _ target: VIPTarget, port: UInt16) {
        self.transport = transport
        self.target = target
        self.port = port
    }

    /// `tcp://11.1.1.1:80`, `udp://[fd01:c::1]:53`, `tcp://web.marathon:80`.
    public var description: String { "\(transport.rawValue)://\(target):\(port)" }

    public static func < (lhs: VIPKey, rhs: VIPKey) -> Bool {
        (lhs.target, lhs.transport, lhs.port) < (rhs.target, rhs.transport, rhs.port)
    }
}
