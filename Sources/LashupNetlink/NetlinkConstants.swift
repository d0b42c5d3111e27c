/// The rtnetlink numbers this client speaks (linux/netlink.h, linux/rtnetlink.h,
/// linux/if_link.h, linux/neighbour.h, linux/fib_rules.h), named once.
public enum Netlink {
    /// Message types.
    public enum MessageType {
        public static let noop: UInt16 = 1
        public static let error: UInt16 = 2
        public static let done: UInt16 = 3
        public static let newLink: UInt16 = 16
        public static let deleteLink: UInt16 = 17
        public static let getLink: UInt16 = 18
        public static let newAddress: UInt16 = 20
        public static let deleteAddress: UInt16 = 21
        public static let getAddress: UInt16 = 22
        public static let newRoute: UInt16 = 24
        public static let deleteRoute: UInt16 = 25
        public static let getRoute: UInt16 = 26
        public static let newNeighbour: UInt16 = 28
        public static let deleteNeighbour: UInt16 = 29
        public static let getNeighbour: UInt16 = 30
        public static let newRule: UInt16 = 32
        public static let deleteRule: UInt16 = 33
        public static let getRule: UInt16 = 34
    }

    /// Header flags.
    public enum Flag {
        public static let request: UInt16 = 0x1
        public static let multipart: UInt16 = 0x2
        public static let acknowledge: UInt16 = 0x4
        /// GET: every object (NLM_F_ROOT | NLM_F_MATCH).
        public static let dump: UInt16 = 0x300
        /// NEW: replace an existing object.
        public static let replace: UInt16 = 0x100
        /// NEW: fail if it exists.
        public static let exclusive: UInt16 = 0x200
        /// NEW: create if absent.
        public static let create: UInt16 = 0x400
        /// NEW: add to the end of the list (bridge FDB entries with several destinations).
        public static let append: UInt16 = 0x800
        /// In an error message: extended-ack attributes follow.
        public static let acknowledgeTLVs: UInt16 = 0x200
        /// In an error message: the request was capped (only its header is echoed).
        public static let capped: UInt16 = 0x100
    }

    /// Address families.
    public enum Family {
        public static let unspecified: UInt8 = 0
        public static let inet: UInt8 = 2
        public static let bridge: UInt8 = 7
        public static let inet6: UInt8 = 10

        public static func of(_ address: IPAddressFamily) -> UInt8 { address == .v4 ? inet : inet6 }
    }

    enum LinkAttribute {
        static let address: UInt16 = 1
        static let name: UInt16 = 3
        static let mtu: UInt16 = 4
        static let link: UInt16 = 5
        static let master: UInt16 = 10
        static let linkInfo: UInt16 = 18
        static let netnsFD: UInt16 = 28
        /// IFLA_LINK_NETNSID: IFLA_LINK is an index in another namespace (a veth's far end).
        static let linkNetnsID: UInt16 = 37
    }

    enum LinkInfoAttribute {
        static let kind: UInt16 = 1
        static let data: UInt16 = 2
    }

    enum VethAttribute {
        static let peer: UInt16 = 1
    }

    enum VXLANAttribute {
        static let id: UInt16 = 1
        static let link: UInt16 = 3
        static let local: UInt16 = 4
        static let local6: UInt16 = 17
        static let learning: UInt16 = 7
        static let port: UInt16 = 15
    }

    enum AddressAttribute {
        static let address: UInt16 = 1
        static let local: UInt16 = 2
    }

    enum RouteAttribute {
        static let destination: UInt16 = 1
        static let outputInterface: UInt16 = 4
        static let gateway: UInt16 = 5
        static let priority: UInt16 = 6
        static let table: UInt16 = 15
    }

    enum RuleAttribute {
        static let destination: UInt16 = 1
        static let source: UInt16 = 2
        static let priority: UInt16 = 6
        static let table: UInt16 = 15
    }

    enum NeighbourAttribute {
        static let destination: UInt16 = 1
        static let linkLayerAddress: UInt16 = 2
        static let master: UInt16 = 9
    }

    enum ErrorAttribute {
        static let message: UInt16 = 1
    }

    /// Interface flag IFF_UP.
    static let interfaceUp: UInt32 = 0x1
    /// Neighbour state NUD_PERMANENT.
    static let neighbourPermanent: UInt16 = 0x80
    /// Neighbour flag NTF_SELF (an FDB entry of the device itself, not of the bridge).
    static let neighbourSelf: UInt8 = 0x02
    /// Route flag RTNH_F_ONLINK.
    static let routeOnLink: UInt32 = 0x4
    /// Rule action FR_ACT_TO_TBL.
    static let ruleToTable: UInt8 = 1
    /// The kernel's main table (RT_TABLE_MAIN); larger ids travel in RTA_TABLE.
    static let mainTable: UInt32 = 254
    /// Socket option NETLINK_EXT_ACK: errors carry a message saying which attribute was wrong.
    static let extendedAcknowledge: Int32 = 11
    /// Socket option NETLINK_GET_STRICT_CHK: dumps honour the filters in the request.
    static let strictCheck: Int32 = 12
}

/// IPv4 or IPv6.
public enum IPAddressFamily: Sendable, Hashable {
    case v4, v6
}
