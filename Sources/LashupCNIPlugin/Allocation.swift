import LashupCNIProtocol
import LashupCRDT
import LashupNetlink

/// The addressing the agent gave one attachment, parsed and checked before any of it reaches
/// the kernel: an agent answering nonsense is reported as such, not as a netlink error.
public struct Allocation: Equatable, Sendable {
    /// The container's address with the subnet's length.
    public var address: IPPrefix
    public var gateway: IPAddress
    public var address6: IPPrefix?
    public var gateway6: IPAddress?
    /// The host bridge the host end of the veth joins.
    public var bridge: String
    public var mtu: UInt32
    public var nameservers: [String]

    public init(address: IPPrefix, gateway: IPAddress, address6: IPPrefix? = nil, gateway6: IPAddress? = nil, bridge: String, mtu: UInt32, nameservers: [String] = []) {
        self.address = address
        self.gateway = gateway
        self.address6 = address6
        self.gateway6 = gateway6
        self.bridge = bridge
        self.mtu = mtu
        self.nameservers = nameservers
    }

    /// Reads an ADD or CHECK response that carries no error.
    public init(_ response: AttachmentResponse, socketPath: String) throws(CNIPluginError) {
        func bad(_ what: String) -> CNIPluginError {
            CNIPluginError(code: CNIErrorCode.ioFailure, "the lashup agent at \(socketPath) answered \(what)", details: "a newer or older agent than this plugin?")
        }
        guard let text = response.address, let address = IPPrefix(text), address.family == .v4 else { throw bad("no IPv4 address with a prefix length (address: \(response.address ?? "none"))") }
        guard let text = response.gateway, let gateway = IPAddress(text), gateway.isIPv4 else { throw bad("no IPv4 gateway (gateway: \(response.gateway ?? "none"))") }
        guard let bridge = response.bridge, !bridge.isEmpty else { throw bad("no bridge") }
        guard let mtu = response.mtu, (576...65_535).contains(mtu) else { throw bad("no usable MTU (mtu: \(response.mtu.map(String.init) ?? "none"))") }
        var address6: IPPrefix?
        var gateway6: IPAddress?
        if let text = response.address6 {
            guard let parsed = IPPrefix(text), parsed.family == .v6 else { throw bad("an IPv6 address that is not one (address6: \(text))") }
            address6 = parsed
            if let text = response.gateway6 {
                guard let parsed = IPAddress(text), !parsed.isIPv4 else { throw bad("an IPv6 gateway that is not one (gateway6: \(text))") }
                gateway6 = parsed
            }
        }
        self.init(address: address, gateway: gateway, address6: address6, gateway6: gateway6, bridge: bridge, mtu: UInt32(mtu), nameservers: response.nameservers ?? [])
    }

    /// The default routes the container gets: through the gateway, on-link when the
    /// gateway lies outside the address's subnet (a /32 address, say); a link-local IPv6
    /// gateway is on the link by definition, so saying so would be noise.
    func defaultRoutes(device: String) -> [Route] {
        var routes = [Route(destination: IPPrefix("0.0.0.0/0")!, gateway: gateway, device: device, onLink: !address.contains(gateway))]
        if let address6, let gateway6 {
            routes.append(Route(destination: IPPrefix("::/0")!, gateway: gateway6, device: device, onLink: !address6.contains(gateway6) && !gateway6.isLinkLocal))
        }
        return routes
    }
}
