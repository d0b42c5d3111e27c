import LashupCNIProtocol

extension Invocation {
    /// GC (1.1.0): the agent frees every attachment of the overlay the runtime no longer
    /// lists. Only addresses: the veths of those attachments went with their namespaces, and
    /// a host veth named `lx…` that outlived its namespace could be found by hashing each
    /// valid attachment, but deleting links from a list the runtime may have cut short is a
    /// risk DEL already covers.
    func garbageCollect() throws(CNIPluginError) {
        guard let valid = configuration.validAttachments else {
            throw .invalidConfiguration("GC needs cni.dev/valid-attachments in the configuration (an empty list frees everything)")
        }
        var request = request(.garbageCollect)
        request.validAttachments = valid
        _ = try ask(request)
    }

    /// STATUS (1.1.0): whether ADD would work now. An agent that cannot be reached means
    /// not available (50), like one whose overlay subnet is not settled yet.
    func status() throws(CNIPluginError) {
        _ = try ask(request(.status), unreachableCode: CNIErrorCode.notAvailable)
    }
}
