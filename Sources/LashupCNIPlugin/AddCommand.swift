import LashupCNIProtocol

extension Invocation {
    /// ADD: the agent allocates (or returns the attachment's existing address), then the
    /// plugin makes the veth pair. If anything fails once the agent has allocated, the pair
    /// is deleted and the address given back, so a failed ADD leaks nothing.
    func add() throws(CNIPluginError) -> String {
        let veth = try veth()
        // Checked before asking the agent: no address is allocated for a container that
        // does not exist.
        _ = try veth.container()
        let response = try ask(request(.add))
        do {
            let allocation = try Allocation(response, socketPath: configuration.socketPath)
            return try veth.setUp(allocation).json(version: configuration.cniVersion)
        } catch {
            _ = try? veth.remove()
            _ = try? ask(request(.delete))
            throw error
        }
    }
}
