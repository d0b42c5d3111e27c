import LashupCRDT

/// A network interface as this client creates and reads it.
public struct Link: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var kind: LinkKind
    /// nil: the kernel's default (desired), or unknown.
    public var mtu: UInt32?
    /// nil: whatever the kernel chose (desired); set it only when it must be stable.
    public var mac: MACAddress?
    public var up: Bool
    /// The bridge this link is a port of.
    public var master: String?
    /// The kernel's index (0 in a desired link).
    public var index: Int32

    public init(name: String, kind: LinkKind, mtu: UInt32? = nil, mac: MACAddress? = nil, up: Bool = true, master: String? = nil, index: Int32 = 0) {
        self.name = name
        self.kind = kind
        self.mtu = mtu
        self.mac = mac
        self.up = up
        self.master = master
        self.index = index
    }

    public var description: String { "link \(name)" }
}

/// What kind of interface a link is.
public enum LinkKind: Hashable, Sendable {
    /// One end of a veth pair; `peer` names the other end (created with it).
    case veth(peer: String)
    case bridge
    case vxlan(VXLANSettings)
    /// Absent on some kernels ("Unknown device type"): prefer a bridge without ports.
    case dummy
    /// A kind this client does not model, by its kernel name.
    case other(String)

    var kernelName: String {
        switch self {
        case .veth: "veth"
        case .bridge: "bridge"
        case .vxlan: "vxlan"
        case .dummy: "dummy"
        case let .other(name): name
        }
    }
}

/// A VXLAN device's settings (learning is always off: the overlay programs its FDB itself).
public struct VXLANSettings: Hashable, Sendable {
    public var vni: UInt32
    public var port: UInt16
    public var local: IPAddress?
    /// The underlay device's name.
    public var underlay: String?
    public var learning: Bool

    public init(vni: UInt32, port: UInt16 = 4789, local: IPAddress? = nil, underlay: String? = nil, learning: Bool = false) {
        self.vni = vni
        self.port = port
        self.local = local
        self.underlay = underlay
        self.learning = learning
    }
}

/// An address on an interface.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public var interface: String
    public var prefix: IPPrefix

    public init(interface: String, prefix: IPPrefix) {
        self.interface = interface
        self.prefix = prefix
    }

    public var description: String { "address \(prefix) on \(interface)" }
}

/// A route in one table.
public struct Route: Hashable, Sendable, CustomStringConvertible {
    public var destination: IPPrefix
    public var table: UInt32
    public var gateway: IPAddress?
    /// The output interface's name.
    public var device: String?
    /// The gateway is on the link even if no address of the device covers it.
    public var onLink: Bool
    public var scope: RouteScope
    /// Who installed it: the ownership mark of routes (ours carry `RouteProtocol.lashup`).
    public var routeProtocol: UInt8
    public var type: RouteType
    public var metric: UInt32?

    public init(destination: IPPrefix, table: UInt32 = 254, gateway: IPAddress? = nil, device: String? = nil, onLink: Bool = false,
                scope: RouteScope = .universe, routeProtocol: UInt8 = RouteProtocol.lashup, type: RouteType = .unicast, metric: UInt32? = nil) {
        self.destination = destination
        self.table = table
        self.gateway = gateway
        self.device = device
        self.onLink = onLink
        self.scope = scope
        self.routeProtocol = routeProtocol
        self.type = type
        self.metric = metric
    }

    public var description: String { "route \(destination) table \(table)" }
}

/// Route protocol numbers (rtm_protocol).
public enum RouteProtocol {
    /// The kernel's own routes (addresses' subnets).
    public static let kernel: UInt8 = 2
    /// `ip route add` without a protocol.
    public static let boot: UInt8 = 3
    public static let staticRoute: UInt8 = 4
    /// Ours. Unassigned in /etc/iproute2/rt_protos; marks every route this layer owns.
    public static let lashup: UInt8 = 0x4C
    /// The load balancer's routes to its VIP ranges: a number of its own, so its reconciler
    /// and the overlay's never take each other's routes for strays.
    public static let lashupLoadBalancer: UInt8 = 0x4D
}

public enum RouteScope: UInt8, Hashable, Sendable {
    case universe = 0
    case link = 253
    case host = 254
}

public enum RouteType: UInt8, Hashable, Sendable {
    case unicast = 1
    case local = 2
    case blackhole = 6
    case unreachable = 7
}

/// A policy-routing rule: traffic from `source` looks up `table`.
public struct Rule: Hashable, Sendable, CustomStringConvertible {
    public var family: IPAddressFamily
    public var source: IPPrefix?
    public var table: UInt32
    /// Position among the rules, and the ownership mark of rules (ours use a range).
    public var priority: UInt32

    public init(family: IPAddressFamily, source: IPPrefix? = nil, table: UInt32, priority: UInt32) {
        self.family = family
        self.source = source
        self.table = table
        self.priority = priority
    }

    public var description: String { "rule priority \(priority) from \(source.map(\.description) ?? "all") table \(table)" }
}

/// A permanent neighbour (ARP/NDP) entry.
public struct Neighbour: Hashable, Sendable, CustomStringConvertible {
    public var interface: String
    public var address: IPAddress
    public var mac: MACAddress

    public init(interface: String, address: IPAddress, mac: MACAddress) {
        self.interface = interface
        self.address = address
        self.mac = mac
    }

    public var description: String { "neighbour \(address) on \(interface)" }
}

/// A bridge forwarding entry of a VXLAN device: frames for `mac` go to the VTEP `destination`.
public struct ForwardingEntry: Hashable, Sendable, CustomStringConvertible {
    public var interface: String
    public var mac: MACAddress
    public var destination: IPAddress

    public init(interface: String, mac: MACAddress, destination: IPAddress) {
        self.interface = interface
        self.mac = mac
        self.destination = destination
    }

    public var description: String { "fdb \(mac) dst \(destination) on \(interface)" }
}
