extension RTNetlink {
    /// Renames link `name` to `newName` in this client's namespace. Rename links while they
    /// are down: kernels before 6.2 refuse to rename a running interface (`device or
    /// resource busy`). A CNI
    /// plugin needs it because a veth peer is made under a temporary name in the host (the
    /// container's interface name may already exist there) and takes its real name only
    /// once it is inside the container's namespace.
    public func renameLink(_ name: String, to newName: String) throws(NetlinkError) {
        guard let index = try interfaceIndexes()[name] else { throw .unknownInterface(name, subject: "link \(name)") }
        let request = LinkCodec.rename(name: name, index: index, to: newName)
        if let failure = try execute([(KernelChange.deleteLink(name), request)]).first { throw failure.error }
    }
}

extension LinkCodec {
    /// RTM_NEWLINK without NLM_F_CREATE for an existing index, carrying only IFLA_IFNAME:
    /// the kernel reads a name that differs from the index's as a rename.
    static func rename(name: String, index: Int32, to newName: String) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.MessageType.newLink, flags: Netlink.Flag.request | Netlink.Flag.acknowledge, subject: "link \(name) renamed to \(newName)") { writer in
            header(&writer, index: index)
            writer.attribute(Netlink.LinkAttribute.name, string: newName)
        }
    }
}
