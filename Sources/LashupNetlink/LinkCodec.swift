import LashupCRDT

/// Links as rtnetlink messages (`ifinfomsg` and its attributes).
enum LinkCodec {
    static let headerSize = 16

    static func header(_ writer: inout NetlinkWriter, index: Int32 = 0, up: Bool? = nil) {
        writer.append(Netlink.Family.unspecified)
        writer.append(UInt8(0))
        writer.append(UInt16(0))  // device type: the kernel's
        writer.append(index)
        writer.append(up == true ? Netlink.interfaceUp : 0)
        writer.append(up == nil ? 0 : Netlink.interfaceUp)  // which flags to change
    }

    /// Creates `link` (failing if the name exists). `index` resolves the names it refers to.
    static func create(_ link: Link, index: (String) throws(NetlinkError) -> Int32) throws(NetlinkError) -> NetlinkRequest {
        let master = try link.master.map(index)
        var underlay: Int32?
        if case let .vxlan(settings) = link.kind, let device = settings.underlay { underlay = try index(device) }
        // A veth end cannot come up before its peer exists (ENOTCONN): pairs are created down
        // and brought up after (see `RTNetlink.apply`).
        let up: Bool? = if case .veth = link.kind { nil } else { link.up }
        return NetlinkRequest(type: Netlink.MessageType.newLink, flags: Netlink.Flag.request | Netlink.Flag.acknowledge | Netlink.Flag.create | Netlink.Flag.exclusive, subject: link.description) { writer in
            header(&writer, up: up)
            writer.attribute(Netlink.LinkAttribute.name, string: link.name)
            if let mtu = link.mtu { writer.attribute(Netlink.LinkAttribute.mtu, mtu) }
            if let mac = link.mac { writer.attribute(Netlink.LinkAttribute.address, bytes: mac.bytes) }
            if let master { writer.attribute(Netlink.LinkAttribute.master, UInt32(bitPattern: master)) }
            writer.nested(Netlink.LinkAttribute.linkInfo) { info in
                info.attribute(Netlink.LinkInfoAttribute.kind, string: link.kind.kernelName)
                switch link.kind {
                case let .veth(peer):
                    info.nested(Netlink.LinkInfoAttribute.data) { data in
                        data.nested(Netlink.VethAttribute.peer) { peerInfo in
                            header(&peerInfo)
                            peerInfo.attribute(Netlink.LinkAttribute.name, string: peer)
                        }
                    }
                case let .vxlan(settings):
                    info.nested(Netlink.LinkInfoAttribute.data) { data in
                        data.attribute(Netlink.VXLANAttribute.id, settings.vni)
                        data.attribute(Netlink.VXLANAttribute.port, bigEndian: settings.port)
                        if let local = settings.local {
                            data.attribute(local.isIPv4 ? Netlink.VXLANAttribute.local : Netlink.VXLANAttribute.local6, bytes: local.bytes)
                        }
                        if let underlay { data.attribute(Netlink.VXLANAttribute.link, UInt32(bitPattern: underlay)) }
                        data.attribute(Netlink.VXLANAttribute.learning, UInt8(settings.learning ? 1 : 0))
                    }
                case .bridge, .dummy, .other:
                    break
                }
            }
        }
    }

    /// Changes what can change in place: up/down, MTU, MAC, bridge port.
    static func change(_ link: Link, index: Int32, mtu: Bool, mac: Bool, master: Int32?, clearMaster: Bool) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.newLink, flags: Netlink.Flag.request | Netlink.Flag.acknowledge, subject: link.description) { writer in
            header(&writer, index: index, up: link.up)
            if mtu, let value = link.mtu { writer.attribute(Netlink.LinkAttribute.mtu, value) }
            if mac, let value = link.mac { writer.attribute(Netlink.LinkAttribute.address, bytes: value.bytes) }
            if let master { writer.attribute(Netlink.LinkAttribute.master, UInt32(bitPattern: master)) }
            if clearMaster { writer.attribute(Netlink.LinkAttribute.master, UInt32(0)) }
        }
    }

    /// Brings a link up or down.
    static func setUp(_ up: Bool, name: String, index: Int32) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.newLink, flags: Netlink.Flag.request | Netlink.Flag.acknowledge, subject: "link \(name)") { writer in
            header(&writer, index: index, up: up)
        }
    }

    static func delete(name: String, index: Int32) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.deleteLink, flags: Netlink.Flag.request | Netlink.Flag.acknowledge, subject: "link \(name)") { writer in
            header(&writer, index: index)
        }
    }

    /// Moves the link into the network namespace open as `namespaceFD`.
    static func move(name: String, index: Int32, namespaceFD: Int32) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.newLink, flags: Netlink.Flag.request | Netlink.Flag.acknowledge, subject: "link \(name)") { writer in
            header(&writer, index: index)
            writer.attribute(Netlink.LinkAttribute.netnsFD, UInt32(bitPattern: namespaceFD))
        }
    }

    static func dump() -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.getLink, flags: Netlink.Flag.request | Netlink.Flag.dump, subject: "links") { writer in
            header(&writer)
        }
    }

    /// One link of a dump, with the indexes it refers to (master, veth peer, VXLAN underlay)
    /// still as indexes: `resolve` names them once the whole dump is read.
    struct Decoded {
        var link: Link
        var masterIndex: Int32?
        var peerIndex: Int32?
        var underlayIndex: Int32?
    }

    static func decode(_ message: NetlinkMessage) throws(NetlinkDecodingError) -> Decoded {
        let payload = try NetlinkPayload(message.payload, headerSize: headerSize, what: "link")
        let index = payload.header(Int32.self, at: 4)
        let flags = payload.header(UInt32.self, at: 8)
        let attributes = try payload.attributes()
        let name = attributes.string(Netlink.LinkAttribute.name) ?? "#\(index)"
        var decoded = Decoded(link: Link(name: name, kind: .other(""), up: flags & Netlink.interfaceUp != 0, index: index))
        decoded.link.mtu = try attributes.integer(Netlink.LinkAttribute.mtu, as: UInt32.self)
        decoded.link.mac = attributes[Netlink.LinkAttribute.address].flatMap { MACAddress(bytes: $0) }
        decoded.masterIndex = try attributes.integer(Netlink.LinkAttribute.master, as: Int32.self).flatMap { $0 == 0 ? nil : $0 }
        let linkIndex = try attributes.integer(Netlink.LinkAttribute.link, as: Int32.self)
        if let info = try attributes.nested(Netlink.LinkAttribute.linkInfo) {
            let kind = info.string(Netlink.LinkInfoAttribute.kind) ?? ""
            switch kind {
            case "veth":
                decoded.link.kind = .veth(peer: "")
                // A peer in another namespace has an index there, not here: it has no name
                // this dump can give it.
                if attributes[Netlink.LinkAttribute.linkNetnsID] == nil { decoded.peerIndex = linkIndex }
            case "bridge": decoded.link.kind = .bridge
            case "dummy": decoded.link.kind = .dummy
            case "vxlan":
                let data = try info.nested(Netlink.LinkInfoAttribute.data)
                let portBytes = data?[Netlink.VXLANAttribute.port] ?? []
                let port = portBytes.count >= 2 ? UInt16(portBytes[0]) << 8 | UInt16(portBytes[1]) : 0
                let local4 = try data?.address(Netlink.VXLANAttribute.local)
                let local6 = try data?.address(Netlink.VXLANAttribute.local6)
                let local = local4 ?? local6
                decoded.link.kind = .vxlan(VXLANSettings(
                    vni: try data?.integer(Netlink.VXLANAttribute.id, as: UInt32.self) ?? 0, port: port, local: local,
                    learning: (try data?.integer(Netlink.VXLANAttribute.learning, as: UInt8.self) ?? 0) != 0
                ))
                decoded.underlayIndex = try data?.integer(Netlink.VXLANAttribute.link, as: Int32.self).flatMap { $0 == 0 ? nil : $0 }
            default: decoded.link.kind = .other(kind)
            }
        }
        return decoded
    }

    /// Names the indexes of a whole dump.
    static func resolve(_ decoded: [Decoded]) -> [Link] {
        let names = Dictionary(decoded.map { ($0.link.index, $0.link.name) }, uniquingKeysWith: { first, _ in first })
        return decoded.map { item in
            var link = item.link
            link.master = item.masterIndex.flatMap { names[$0] }
            if case .veth = link.kind { link.kind = .veth(peer: item.peerIndex.flatMap { names[$0] } ?? "") }
            if case var .vxlan(settings) = link.kind {
                settings.underlay = item.underlayIndex.flatMap { names[$0] }
                link.kind = .vxlan(settings)
            }
            return link
        }
    }
}
