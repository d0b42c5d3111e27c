import LashupCNIProtocol

extension Invocation {
    /// CHECK (0.4.0 and later): the agent still holds the attachment's address, and the
    /// container has the interface with that address, MTU and default route, its host end a
    /// port of the bridge. Every difference is named in the error.
    func check() throws(CNIPluginError) {
        guard configuration.cniVersion >= CNIVersion(0, 4, 0) else {
            throw CNIPluginError(code: CNIErrorCode.incompatibleVersion, "CHECK needs cniVersion 0.4.0 or later, the configuration says \(configuration.cniVersion)")
        }
        let allocation = try Allocation(try ask(request(.check)), socketPath: configuration.socketPath)
        let problems = try veth().problems(allocation)
        guard problems.isEmpty else {
            throw CNIPluginError(code: CNIErrorCode.attachmentMismatch, "the attachment is not as ADD made it: " + problems.joined(separator: "; "))
        }
    }
}
