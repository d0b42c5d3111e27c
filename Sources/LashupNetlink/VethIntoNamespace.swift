import CLashupNetlink

extension RTNetlink {
    /// Creates a veth pair whose end `name` stays in this client's namespace and whose other
    /// end is made directly inside the network namespace at `peerNamespace` as `peerName`,
    /// both down with `mtu`. One request: moving an existing end into a namespace waits for
    /// the kernel's network grace period (about 20 ms here), which a CNI ADD would pay.
    public func addVeth(_ name: String, mtu: UInt32?, peer peerName: String, inNamespace peerNamespace: String) throws(NetlinkError) {
        let fd = peerNamespace.withCString { clashup_netlink_open_namespace($0) }
        guard fd >= 0 else { throw .socket("cannot open the network namespace \(peerNamespace)", code: -fd) }
        defer { clashup_netlink_close(fd) }
        let request = LinkCodec.vethIntoNamespace(name: name, mtu: mtu, peer: peerName, namespaceFD: fd)
        let link = Link(name: name, kind: .veth(peer: peerName), mtu: mtu, up: false)
        if let failure = try execute([(KernelChange.addLink(link), request)]).first { throw failure.error }
    }
}

extension LinkCodec {
    /// RTM_NEWLINK of kind veth whose peer info carries IFLA_NET_NS_FD: the kernel creates the
    /// peer in that namespace.
    static func vethIntoNamespace(name: String, mtu: UInt32?, peer: String, namespaceFD: Int32) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.newLink, flags: Netlink.Flag.request | Netlink.Flag.acknowledge | Netlink.Flag.create | Netlink.Flag.exclusive,
                       subject: "veth \(name) with \(peer) in another namespace") { writer in
            header(&writer)
            writer.attribute(Netlink.LinkAttribute.name, string: name)
            if let mtu { writer.attribute(Netlink.LinkAttribute.mtu, mtu) }
            writer.nested(Netlink.LinkAttribute.linkInfo) { info in
                info.attribute(Netlink.LinkInfoAttribute.kind, string: "veth")
                info.nested(Netlink.LinkInfoAttribute.data) { data in
                    data.nested(Netlink.VethAttribute.peer) { peerInfo in
                        header(&peerInfo)
                        peerInfo.attribute(Netlink.LinkAttribute.name, string: peer)
                        if let mtu { peerInfo.attribute(Netlink.LinkAttribute.mtu, mtu) }
                        peerInfo.attribute(Netlink.LinkAttribute.netnsFD, UInt32(bitPattern: namespaceFD))
                    }
                }
            }
        }
    }
}
