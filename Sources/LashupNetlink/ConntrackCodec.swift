import LashupCRDT

/// ctnetlink messages (linux/netfilter/nfnetlink_conntrack.h) over NETLINK_NETFILTER: the
/// dump of tracked connections, and deleting one by its original tuple.
enum ConntrackCodec {
    /// `nfgenmsg`: family, version, resource id.
    static let headerSize = 4

    enum MessageType {
        /// NFNL_SUBSYS_CTNETLINK (1) in the high byte, IPCTNL_MSG_CT_* in the low one.
        static let new: UInt16 = 0x100
        static let get: UInt16 = 0x101
        static let delete: UInt16 = 0x102
    }

    enum Attribute {
        static let tupleOriginal: UInt16 = 1
        static let tupleReply: UInt16 = 2
        static let zone: UInt16 = 18
    }

    enum TupleAttribute {
        static let ip: UInt16 = 1
        static let proto: UInt16 = 2
    }

    enum IPAttribute {
        static let v4Source: UInt16 = 1
        static let v4Destination: UInt16 = 2
        static let v6Source: UInt16 = 3
        static let v6Destination: UInt16 = 4
    }

    enum ProtoAttribute {
        static let number: UInt16 = 1
        static let sourcePort: UInt16 = 2
        static let destinationPort: UInt16 = 3
    }

    /// NLA_F_NESTED: ctnetlink's attributes of attributes say so.
    static let nested: UInt16 = 0x8000

    /// Every tracked connection of `family` (nil: both).
    static func dump(_ family: IPAddressFamily?) -> NetlinkRequest {
        NetlinkRequest(type: MessageType.get, flags: Netlink.Flag.request | Netlink.Flag.dump, subject: "conntrack table") { writer in
            header(&writer, family: family.map(Netlink.Family.of) ?? Netlink.Family.unspecified)
        }
    }

    /// Forgets `entry` (found by its original tuple, in its zone).
    static func delete(_ entry: ConntrackEntry) -> NetlinkRequest {
        NetlinkRequest(type: MessageType.delete, flags: Netlink.Flag.request | Netlink.Flag.acknowledge, subject: entry.description) { writer in
            header(&writer, family: Netlink.Family.of(entry.original.destination.isIPv4 ? .v4 : .v6))
            tuple(&writer, Attribute.tupleOriginal, entry.original, protocolNumber: entry.protocolNumber)
            if let zone = entry.zone { writer.attribute(Attribute.zone, bigEndian: zone) }
        }
    }

    /// The entry as a dump reply carries it (for round-trip checks).
    static func new(_ entry: ConntrackEntry) -> NetlinkRequest {
        NetlinkRequest(type: MessageType.new, flags: Netlink.Flag.request, subject: entry.description) { writer in
            header(&writer, family: Netlink.Family.of(entry.original.destination.isIPv4 ? .v4 : .v6))
            tuple(&writer, Attribute.tupleOriginal, entry.original, protocolNumber: entry.protocolNumber)
            tuple(&writer, Attribute.tupleReply, entry.reply, protocolNumber: entry.protocolNumber)
            if let zone = entry.zone { writer.attribute(Attribute.zone, bigEndian: zone) }
        }
    }

    static func header(_ writer: inout NetlinkWriter, family: UInt8) {
        writer.append(family)
        writer.append(UInt8(0))  // NFNETLINK_V0
        writer.append(UInt16(0))  // resource id
    }

    static func tuple(_ writer: inout NetlinkWriter, _ type: UInt16, _ tuple: ConntrackTuple, protocolNumber: UInt8) {
        writer.nested(type | nested) { inner in
            inner.nested(TupleAttribute.ip | nested) { ip in
                let v4 = tuple.source.isIPv4
                ip.attribute(v4 ? IPAttribute.v4Source : IPAttribute.v6Source, bytes: tuple.source.bytes)
                ip.attribute(v4 ? IPAttribute.v4Destination : IPAttribute.v6Destination, bytes: tuple.destination.bytes)
            }
            inner.nested(TupleAttribute.proto | nested) { proto in
                proto.attribute(ProtoAttribute.number, protocolNumber)
                if let port = tuple.sourcePort { proto.attribute(ProtoAttribute.sourcePort, bigEndian: port) }
                if let port = tuple.destinationPort { proto.attribute(ProtoAttribute.destinationPort, bigEndian: port) }
            }
        }
    }

    /// One entry of a dump; nil for a message that is not one, or an entry without both
    /// tuples (none the kernel sends).
    static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> ConntrackEntry? {
        guard message.type == MessageType.new else { return nil }
        let payload = try NetlinkPayload(message.payload, headerSize: headerSize, what: "conntrack entry")
        let attributes = try payload.attributes()
        guard let original = try attributes.nested(Attribute.tupleOriginal), let reply = try attributes.nested(Attribute.tupleReply),
              let (protocolNumber, originalTuple) = try tuple(original), let (_, replyTuple) = try tuple(reply) else { return nil }
        return ConntrackEntry(protocolNumber: protocolNumber, original: originalTuple, reply: replyTuple,
                              zone: try bigEndianPort(attributes, Attribute.zone).flatMap { $0 == 0 ? nil : $0 })
    }

    static func tuple(_ attributes: NetlinkAttributes) throws(NetlinkDecodingError) -> (UInt8, ConntrackTuple)? {
        guard let ip = try attributes.nested(TupleAttribute.ip), let proto = try attributes.nested(TupleAttribute.proto),
              let number = try proto.integer(ProtoAttribute.number, as: UInt8.self) else { return nil }
        let v4Source = try ip.address(IPAttribute.v4Source), v6Source = try ip.address(IPAttribute.v6Source)
        let v4Destination = try ip.address(IPAttribute.v4Destination), v6Destination = try ip.address(IPAttribute.v6Destination)
        guard let source = v4Source ?? v6Source, let destination = v4Destination ?? v6Destination, source.isIPv4 == destination.isIPv4 else { return nil }
        return (number, ConntrackTuple(source: source, destination: destination,
                                       sourcePort: try bigEndianPort(proto, ProtoAttribute.sourcePort),
                                       destinationPort: try bigEndianPort(proto, ProtoAttribute.destinationPort)))
    }

    static func bigEndianPort(_ attributes: NetlinkAttributes, _ type: UInt16) throws(NetlinkDecodingError) -> UInt16? {
        guard let bytes = attributes[type] else { return nil }
        guard bytes.count >= 2 else { throw .truncated(what: "\(attributes.what) attribute \(type)", need: 2, have: bytes.count) }
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }
}
