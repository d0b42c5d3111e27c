import LashupCNIProtocol

/// One command with everything it was given: the environment, the configuration, the
/// options, and the agent it talks to.
struct Invocation {
    let environment: CNIEnvironment
    let configuration: NetworkConfiguration
    let options: PluginOptions

    var agent: AgentClient { AgentClient(socketPath: configuration.socketPath, timeout: options.agentTimeout) }

    /// An attachment request for this invocation's container and interface.
    func request(_ command: AttachmentRequest.Command) -> AttachmentRequest {
        AttachmentRequest(command: command, overlay: configuration.overlay, containerID: environment.containerID,
                          interfaceName: environment.interfaceName, namespacePath: environment.namespacePath)
    }

    /// Asks the agent, turning an agent that cannot be reached into error `unreachableCode`
    /// and the agent's own error into the plugin's.
    func ask(_ request: AttachmentRequest, unreachableCode: Int = CNIErrorCode.tryAgainLater) throws(CNIPluginError) -> AttachmentResponse {
        let response: AttachmentResponse
        do {
            response = try agent.send(request)
        } catch {
            throw CNIPluginError(code: unreachableCode, error.description)
        }
        if let error = response.error { throw CNIPluginError(error) }
        return response
    }

    func veth() throws(CNIPluginError) -> VethAttachment {
        // The environment was checked for these when the command needs them.
        try VethAttachment(containerID: environment.containerID ?? "", interfaceName: environment.interfaceName ?? "",
                           namespacePath: environment.namespacePath ?? "", hostNamespace: options.hostNamespace)
    }
}
