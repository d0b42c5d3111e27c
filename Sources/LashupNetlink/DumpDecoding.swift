import LashupCRDT

/// One object of a dump as decoded, interface indexes unresolved: what the fuzzer and
/// diagnostics read without a kernel.
public enum DumpedObject: Sendable, Equatable {
    case link(Link)
    case address(index: Int32, prefix: IPPrefix)
    case route(Route, device: Int32?)
    case rule(Rule)
    case neighbour(index: Int32, state: UInt16, flags: UInt8, address: IPAddress?, mac: MACAddress?)
    /// A tracked connection (ctnetlink's dump, on a NETLINK_NETFILTER socket).
    case conntrack(ConntrackEntry)
}


extension DumpedObject {
    /// Decodes one message of a dump (nil: a message of another type, or an object this
    /// client leaves out, such as cached routes).
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> DumpedObject? {
        switch message.type {
        case Netlink.MessageType.newLink:
            return .link(try LinkCodec.decode(message).link)
        case Netlink.MessageType.newAddress:
            return try AddressCodec.decode(message).map { .address(index: $0.index, prefix: $0.prefix) }
        case Netlink.MessageType.newRoute:
            return try RouteCodec.decode(message).map { .route($0.route, device: $0.device) }
        case Netlink.MessageType.newRule:
            return try RuleCodec.decode(message).map(DumpedObject.rule)
        case Netlink.MessageType.newNeighbour:
            let entry = try NeighbourCodec.decode(message)
            return .neighbour(index: entry.index, state: entry.state, flags: entry.flags, address: entry.address, mac: entry.mac)
        case ConntrackCodec.MessageType.new:
            return try ConntrackCodec.decode(message).map(DumpedObject.conntrack)
        default:
            return nil
        }
    }

    /// The request that would create this object, as a message (the layout of a dump reply),
    /// for round-trip checks. Nil for objects no request recreates exactly (links of kinds
    /// this client does not model, neighbours without an address or MAC).
    public var recreatingMessage: NetlinkMessage? {
        let request: NetlinkRequest
        switch self {
        case let .link(link):
            guard case .vxlan = link.kind else { return nil }
            var plain = link
            if case var .vxlan(settings) = plain.kind {
                settings.underlay = nil
                plain.kind = .vxlan(settings)
            }
            plain.master = nil
            guard let made = try? LinkCodec.create(plain, index: { (_: String) throws(NetlinkError) in 0 }) else { return nil }
            request = made
        case let .address(index, prefix):
            request = AddressCodec.add(InterfaceAddress(interface: "", prefix: prefix), index: index)
        case let .route(route, device):
            request = RouteCodec.replace(route, device: device)
        case let .rule(rule):
            request = RuleCodec.add(rule)
        case .neighbour:
            return nil
        case let .conntrack(entry):
            request = ConntrackCodec.new(entry)
        }
        return try? NetlinkReader.messages(in: request.encoded(sequence: 1)).first
    }
}
