/// One change to the kernel's network state, as the reconciler and the services ask for it.
public enum KernelChange: Sendable, Hashable, CustomStringConvertible {
    case addLink(Link)
    /// Changes in place what differs of up/down, MTU, MAC and bridge port.
    case updateLink(Link)
    case deleteLink(String)
    case addAddress(InterfaceAddress)
    case deleteAddress(InterfaceAddress)
    /// Adds, or replaces the route with the same table, destination and metric.
    case replaceRoute(Route)
    case deleteRoute(Route)
    case addRule(Rule)
    case deleteRule(Rule)
    /// Adds, or replaces the entry for the same interface and address.
    case replaceNeighbour(Neighbour)
    case deleteNeighbour(Neighbour)
    case appendForwarding(ForwardingEntry)
    case deleteForwarding(ForwardingEntry)

    public var description: String {
        switch self {
        case let .addLink(link): "add \(link)"
        case let .updateLink(link): "update \(link)"
        case let .deleteLink(name): "delete link \(name)"
        case let .addAddress(address): "add \(address)"
        case let .deleteAddress(address): "delete \(address)"
        case let .replaceRoute(route): "replace \(route)"
        case let .deleteRoute(route): "delete \(route)"
        case let .addRule(rule): "add \(rule)"
        case let .deleteRule(rule): "delete \(rule)"
        case let .replaceNeighbour(neighbour): "replace \(neighbour)"
        case let .deleteNeighbour(neighbour): "delete \(neighbour)"
        case let .appendForwarding(entry): "append \(entry)"
        case let .deleteForwarding(entry): "delete \(entry)"
        }
    }

    /// The request, with interface names resolved by `index` (which describes the object
    /// only for an unknown name).
    func request(index: (String, @autoclosure () -> String) throws(NetlinkError) -> Int32) throws(NetlinkError) -> NetlinkRequest {
        switch self {
        case let .addLink(link):
            return try LinkCodec.create(link) { (name: String) throws(NetlinkError) in try index(name, link.description) }
        case let .updateLink(link):
            // Resolved against the current link by RTNetlink.update; never batched.
            return LinkCodec.change(link, index: try index(link.name, link.description), mtu: link.mtu != nil, mac: link.mac != nil,
                                    master: try link.master.map { (name: String) throws(NetlinkError) in try index(name, link.description) }, clearMaster: false)
        case let .deleteLink(name):
            return LinkCodec.delete(name: name, index: try index(name, "link \(name)"))
        case let .addAddress(address):
            return AddressCodec.add(address, index: try index(address.interface, address.description))
        case let .deleteAddress(address):
            return AddressCodec.delete(address, index: try index(address.interface, address.description))
        case let .replaceRoute(route):
            return RouteCodec.replace(route, device: try route.device.map { (name: String) throws(NetlinkError) in try index(name, route.description) })
        case let .deleteRoute(route):
            return RouteCodec.delete(route, device: try route.device.map { (name: String) throws(NetlinkError) in try index(name, route.description) })
        case let .addRule(rule):
            return RuleCodec.add(rule)
        case let .deleteRule(rule):
            return RuleCodec.delete(rule)
        case let .replaceNeighbour(neighbour):
            return NeighbourCodec.replace(neighbour, index: try index(neighbour.interface, neighbour.description))
        case let .deleteNeighbour(neighbour):
            return NeighbourCodec.delete(neighbour, index: try index(neighbour.interface, neighbour.description))
        case let .appendForwarding(entry):
            return NeighbourCodec.append(entry, index: try index(entry.interface, entry.description))
        case let .deleteForwarding(entry):
            return NeighbourCodec.delete(entry, index: try index(entry.interface, entry.description))
        }
    }
}
