import LashupCNIProtocol

extension Invocation {
    /// DEL: delete the host veth (its peer in the container goes with it), then tell the agent
    /// to free the address. Whatever is already gone counts as done, the namespace included.
    ///
    /// An agent that cannot be reached fails DEL with 11 even when nothing is left in the
    /// kernel: the agent still holds the address, and only a failed DEL makes the runtime
    /// retry until it is freed. GC would free it too, but not every runtime sends GC. The
    /// veth goes first so an address is never freed (and given to another container) while
    /// an interface still carries it.
    func delete() throws(CNIPluginError) {
        try veth().remove()
        _ = try ask(request(.delete))
    }
}
