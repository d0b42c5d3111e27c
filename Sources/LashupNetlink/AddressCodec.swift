import LashupCRDT

/// Interface addresses as rtnetlink messages (`ifaddrmsg`).
enum AddressCodec {
    static let headerSize = 8

    static func request(_ type: UInt16, _ address: InterfaceAddress, index: Int32, flags: UInt16) -> NetlinkRequest {
        NetlinkRequest(type: type, flags: Netlink.Flag.request | Netlink.Flag.acknowledge | flags, subject: address.description) { writer in
            writer.append(Netlink.Family.of(address.prefix.family))
            writer.append(address.prefix.length)
            writer.append(UInt8(0))  // flags
            writer.append(UInt8(0))  // scope: universe
            writer.append(UInt32(bitPattern: index))
            writer.attribute(Netlink.AddressAttribute.local, bytes: address.prefix.address.bytes)
            writer.attribute(Netlink.AddressAttribute.address, bytes: address.prefix.address.bytes)
        }
    }

    static func add(_ address: InterfaceAddress, index: Int32) -> NetlinkRequest {
        request(Netlink.MessageType.newAddress, address, index: index, flags: Netlink.Flag.create | Netlink.Flag.exclusive)
    }

    static func delete(_ address: InterfaceAddress, index: Int32) -> NetlinkRequest {
        request(Netlink.MessageType.deleteAddress, address, index: index, flags: 0)
    }

    static func dump() -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.getAddress, flags: Netlink.Flag.request | Netlink.Flag.dump, subject: "addresses") { writer in
            writer.append(Netlink.Family.unspecified)
            writer.append(bytes: [0, 0, 0, 0, 0, 0, 0])
        }
    }

    /// One address of a dump and its interface's index.
    static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> (index: Int32, prefix: IPPrefix)? {
        let payload = try NetlinkPayload(message.payload, headerSize: headerSize, what: "address")
        let length = payload.header(UInt8.self, at: 1)
        let index = payload.header(Int32.self, at: 4)
        let attributes = try payload.attributes()
        let local = try attributes.address(Netlink.AddressAttribute.local)
        let peer = try attributes.address(Netlink.AddressAttribute.address)
        guard let address = local ?? peer else { return nil }
        guard let prefix = IPPrefix(address: address, length: length) else { throw .badLength(what: "address prefix", length: Int(length)) }
        return (index, prefix)
    }
}

/// Routes as rtnetlink messages (`rtmsg`).
enum RouteCodec {
    static let headerSize = 12
    /// RTM_F_CLONED: a cached route, not one of the table's.
    static let cloned: UInt32 = 0x200

    static func request(_ type: UInt16, _ route: Route, device: Int32?, flags: UInt16) -> NetlinkRequest {
        NetlinkRequest(type: type, flags: Netlink.Flag.request | Netlink.Flag.acknowledge | flags, subject: route.description) { writer in
            writer.append(Netlink.Family.of(route.destination.family))
            writer.append(route.destination.length)
            writer.append(UInt8(0))  // source length
            writer.append(UInt8(0))  // tos
            writer.append(UInt8(route.table < 256 ? route.table : 252))  // RT_TABLE_COMPAT; RTA_TABLE holds the real id
            writer.append(route.routeProtocol)
            writer.append(route.scope.rawValue)
            writer.append(route.type.rawValue)
            writer.append(route.onLink ? Netlink.routeOnLink : 0)
            writer.attribute(Netlink.RouteAttribute.table, route.table)
            writer.attribute(Netlink.RouteAttribute.destination, bytes: route.destination.address.bytes)
            if let device { writer.attribute(Netlink.RouteAttribute.outputInterface, UInt32(bitPattern: device)) }
            if let gateway = route.gateway { writer.attribute(Netlink.RouteAttribute.gateway, bytes: gateway.bytes) }
            if let metric = route.metric { writer.attribute(Netlink.RouteAttribute.priority, metric) }
        }
    }

    /// Adds or replaces (the kernel's route key is table, destination and metric).
    static func replace(_ route: Route, device: Int32?) -> NetlinkRequest {
        request(Netlink.MessageType.newRoute, route, device: device, flags: Netlink.Flag.create | Netlink.Flag.replace)
    }

    static func add(_ route: Route, device: Int32?) -> NetlinkRequest {
        request(Netlink.MessageType.newRoute, route, device: device, flags: Netlink.Flag.create | Netlink.Flag.exclusive)
    }

    static func delete(_ route: Route, device: Int32?) -> NetlinkRequest {
        request(Netlink.MessageType.deleteRoute, route, device: device, flags: 0)
    }

    static func dump(_ family: IPAddressFamily) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.getRoute, flags: Netlink.Flag.request | Netlink.Flag.dump, subject: "routes") { writer in
            writer.append(Netlink.Family.of(family))
            writer.append(bytes: [UInt8](repeating: 0, count: 11))
        }
    }

    /// One route of a dump (nil for cached routes), its device still an index.
    static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> (route: Route, device: Int32?)? {
        let payload = try NetlinkPayload(message.payload, headerSize: headerSize, what: "route")
        let family = payload.header(UInt8.self, at: 0)
        let length = payload.header(UInt8.self, at: 1)
        let flags = payload.header(UInt32.self, at: 8)
        guard flags & cloned == 0 else { return nil }
        let attributes = try payload.attributes()
        let zero = family == Netlink.Family.inet ? IPAddress.v4(0) : IPAddress.v6(high: 0, low: 0)
        let destination = try attributes.address(Netlink.RouteAttribute.destination) ?? zero
        guard let prefix = IPPrefix(address: destination, length: length) else { throw .badLength(what: "route prefix", length: Int(length)) }
        let route = Route(
            destination: prefix,
            table: try attributes.integer(Netlink.RouteAttribute.table, as: UInt32.self) ?? UInt32(payload.header(UInt8.self, at: 4)),
            gateway: try attributes.address(Netlink.RouteAttribute.gateway), onLink: flags & Netlink.routeOnLink != 0,
            scope: RouteScope(rawValue: payload.header(UInt8.self, at: 6)) ?? .universe, routeProtocol: payload.header(UInt8.self, at: 5),
            type: RouteType(rawValue: payload.header(UInt8.self, at: 7)) ?? .unicast,
            metric: try attributes.integer(Netlink.RouteAttribute.priority, as: UInt32.self)
        )
        return (route, try attributes.integer(Netlink.RouteAttribute.outputInterface, as: Int32.self))
    }
}

/// Policy rules as rtnetlink messages (`fib_rule_hdr`).
enum RuleCodec {
    static let headerSize = 12

    static func request(_ type: UInt16, _ rule: Rule, flags: UInt16) -> NetlinkRequest {
        NetlinkRequest(type: type, flags: Netlink.Flag.request | Netlink.Flag.acknowledge | flags, subject: rule.description) { writer in
            writer.append(Netlink.Family.of(rule.family))
            writer.append(UInt8(0))  // destination length
            writer.append(rule.source?.length ?? 0)
            writer.append(UInt8(0))  // tos
            writer.append(UInt8(rule.table < 256 ? rule.table : 252))
            writer.append(UInt8(0))
            writer.append(UInt8(0))
            writer.append(Netlink.ruleToTable)
            writer.append(UInt32(0))
            writer.attribute(Netlink.RuleAttribute.table, rule.table)
            writer.attribute(Netlink.RuleAttribute.priority, rule.priority)
            if let source = rule.source { writer.attribute(Netlink.RuleAttribute.source, bytes: source.address.bytes) }
        }
    }

    static func add(_ rule: Rule) -> NetlinkRequest {
        request(Netlink.MessageType.newRule, rule, flags: Netlink.Flag.create | Netlink.Flag.exclusive)
    }

    static func delete(_ rule: Rule) -> NetlinkRequest {
        request(Netlink.MessageType.deleteRule, rule, flags: 0)
    }

    static func dump(_ family: IPAddressFamily) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.getRule, flags: Netlink.Flag.request | Netlink.Flag.dump, subject: "rules") { writer in
            writer.append(Netlink.Family.of(family))
            writer.append(bytes: [UInt8](repeating: 0, count: 11))
        }
    }

    static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> Rule? {
        let payload = try NetlinkPayload(message.payload, headerSize: headerSize, what: "rule")
        let family: IPAddressFamily = payload.header(UInt8.self, at: 0) == Netlink.Family.inet6 ? .v6 : .v4
        let sourceLength = payload.header(UInt8.self, at: 2)
        guard payload.header(UInt8.self, at: 7) == Netlink.ruleToTable else { return nil }
        let attributes = try payload.attributes()
        var source: IPPrefix?
        // A source of length 0 is "from all", however the kernel spells it.
        if let address = try attributes.address(Netlink.RuleAttribute.source), sourceLength > 0 {
            guard let prefix = IPPrefix(address: address, length: sourceLength) else { throw .badLength(what: "rule source prefix", length: Int(sourceLength)) }
            source = prefix
        }
        return Rule(
            family: family, source: source,
            table: try attributes.integer(Netlink.RuleAttribute.table, as: UInt32.self) ?? UInt32(payload.header(UInt8.self, at: 4)),
            priority: try attributes.integer(Netlink.RuleAttribute.priority, as: UInt32.self) ?? 0
        )
    }
}

/// Neighbours and bridge FDB entries as rtnetlink messages (`ndmsg`).
enum NeighbourCodec {
    static let headerSize = 12

    static func header(_ writer: inout NetlinkWriter, family: UInt8, index: Int32, flags: UInt8) {
        writer.append(family)
        writer.append(UInt8(0))
        writer.append(UInt16(0))
        writer.append(index)
        writer.append(Netlink.neighbourPermanent)
        writer.append(flags)
        writer.append(UInt8(0))
    }

    static func neighbour(_ type: UInt16, _ neighbour: Neighbour, index: Int32, flags: UInt16) -> NetlinkRequest {
        NetlinkRequest(type: type, flags: Netlink.Flag.request | Netlink.Flag.acknowledge | flags, subject: neighbour.description) { writer in
            header(&writer, family: neighbour.address.isIPv4 ? Netlink.Family.inet : Netlink.Family.inet6, index: index, flags: 0)
            writer.attribute(Netlink.NeighbourAttribute.destination, bytes: neighbour.address.bytes)
            writer.attribute(Netlink.NeighbourAttribute.linkLayerAddress, bytes: neighbour.mac.bytes)
        }
    }

    /// Adds or replaces (a neighbour's key is interface and address).
    static func replace(_ neighbour: Neighbour, index: Int32) -> NetlinkRequest {
        self.neighbour(Netlink.MessageType.newNeighbour, neighbour, index: index, flags: Netlink.Flag.create | Netlink.Flag.replace)
    }

    static func delete(_ neighbour: Neighbour, index: Int32) -> NetlinkRequest {
        self.neighbour(Netlink.MessageType.deleteNeighbour, neighbour, index: index, flags: 0)
    }

    static func forwarding(_ type: UInt16, _ entry: ForwardingEntry, index: Int32, flags: UInt16) -> NetlinkRequest {
        NetlinkRequest(type: type, flags: Netlink.Flag.request | Netlink.Flag.acknowledge | flags, subject: entry.description) { writer in
            header(&writer, family: Netlink.Family.bridge, index: index, flags: Netlink.neighbourSelf)
            writer.attribute(Netlink.NeighbourAttribute.linkLayerAddress, bytes: entry.mac.bytes)
            writer.attribute(Netlink.NeighbourAttribute.destination, bytes: entry.destination.bytes)
        }
    }

    /// Appends a destination (one MAC may have several: the all-zero MAC floods to every VTEP).
    static func append(_ entry: ForwardingEntry, index: Int32) -> NetlinkRequest {
        forwarding(Netlink.MessageType.newNeighbour, entry, index: index, flags: Netlink.Flag.create | Netlink.Flag.append)
    }

    static func delete(_ entry: ForwardingEntry, index: Int32) -> NetlinkRequest {
        forwarding(Netlink.MessageType.deleteNeighbour, entry, index: index, flags: 0)
    }

    static func dump(family: UInt8) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.getNeighbour, flags: Netlink.Flag.request | Netlink.Flag.dump, subject: "neighbours") { writer in
            writer.append(family)
            writer.append(bytes: [UInt8](repeating: 0, count: 11))
        }
    }

    /// A dumped entry: interface index, state, flags, address and MAC (nil when absent).
    struct Decoded {
        var index: Int32
        var state: UInt16
        var flags: UInt8
        var address: IPAddress?
        var mac: MACAddress?
    }

    static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> Decoded {
        let payload = try NetlinkPayload(message.payload, headerSize: headerSize, what: "neighbour")
        let attributes = try payload.attributes()
        return Decoded(
            index: payload.header(Int32.self, at: 4), state: payload.header(UInt16.self, at: 8), flags: payload.header(UInt8.self, at: 10),
            address: try attributes.address(Netlink.NeighbourAttribute.destination),
            mac: attributes[Netlink.NeighbourAttribute.linkLayerAddress].flatMap { MACAddress(bytes: $0) }
        )
    }
}
