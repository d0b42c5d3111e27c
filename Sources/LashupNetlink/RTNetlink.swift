import CLashupNetlink
import Glibc
import LashupCRDT
import Synchronization

/// An rtnetlink client: reads and changes links, addresses, routes, rules, neighbours and
/// bridge FDB entries of one network namespace, over one `AF_NETLINK` socket (no `ip`
/// processes). Calls block until the kernel answered; concurrent callers take turns.
public final class RTNetlink: Sendable {
    let socket: Mutex<NetlinkSocket>
    /// The namespace file this client was opened in (nil: the caller's).
    public let namespace: String?

    /// Opens a client in the network namespace at `namespace` (`/run/netns/NAME`), or in the
    /// caller's (entering another needs CAP_SYS_ADMIN). Reading needs no privilege; without
    /// CAP_NET_ADMIN every change fails with kind `.permission`.
    public init(namespace: String? = nil) throws(NetlinkError) {
        self.namespace = namespace
        socket = Mutex(try NetlinkSocket(protocol: 0, namespace: namespace))
    }

    // MARK: Reading

    public func links() throws(NetlinkError) -> [Link] {
        let messages = try dump(LinkCodec.dump())
        var decoded: [LinkCodec.Decoded] = []
        for message in messages where message.type == Netlink.MessageType.newLink {
            do { decoded.append(try LinkCodec.decode(message)) } catch { throw .decoding(error) }
        }
        return LinkCodec.resolve(decoded)
    }

    public func addresses() throws(NetlinkError) -> [InterfaceAddress] {
        let names = try interfaceNames()
        var result: [InterfaceAddress] = []
        for message in try dump(AddressCodec.dump()) where message.type == Netlink.MessageType.newAddress {
            let entry: (index: Int32, prefix: IPPrefix)?
            do { entry = try AddressCodec.decode(message) } catch { throw .decoding(error) }
            if let entry, let name = names[entry.index] { result.append(InterfaceAddress(interface: name, prefix: entry.prefix)) }
        }
        return result
    }

    /// Every route of every table of `family` (cached routes left out).
    public func routes(_ family: IPAddressFamily) throws(NetlinkError) -> [Route] {
        let names = try interfaceNames()
        var result: [Route] = []
        for message in try dump(RouteCodec.dump(family)) where message.type == Netlink.MessageType.newRoute {
            let entry: (route: Route, device: Int32?)?
            do { entry = try RouteCodec.decode(message) } catch { throw .decoding(error) }
            guard var route = entry?.route else { continue }
            route.device = entry?.device.flatMap { names[$0] }
            result.append(route)
        }
        return result
    }

    public func rules(_ family: IPAddressFamily) throws(NetlinkError) -> [Rule] {
        var result: [Rule] = []
        for message in try dump(RuleCodec.dump(family)) where message.type == Netlink.MessageType.newRule {
            do {
                if let rule = try RuleCodec.decode(message) { result.append(rule) }
            } catch {
                throw .decoding(error)
            }
        }
        return result
    }

    /// Permanent neighbours of both families (what this client programs; learned ones are the
    /// kernel's).
    public func neighbours() throws(NetlinkError) -> [Neighbour] {
        let names = try interfaceNames()
        var result: [Neighbour] = []
        for family in [Netlink.Family.inet, Netlink.Family.inet6] {
            for message in try dump(NeighbourCodec.dump(family: family)) where message.type == Netlink.MessageType.newNeighbour {
                let entry: NeighbourCodec.Decoded
                do { entry = try NeighbourCodec.decode(message) } catch { throw .decoding(error) }
                guard entry.state & Netlink.neighbourPermanent != 0, let address = entry.address, let mac = entry.mac, let name = names[entry.index] else { continue }
                result.append(Neighbour(interface: name, address: address, mac: mac))
            }
        }
        return result
    }

    /// The FDB entries of devices themselves that send to a remote address (VXLAN's).
    public func forwardingEntries() throws(NetlinkError) -> [ForwardingEntry] {
        let names = try interfaceNames()
        var result: [ForwardingEntry] = []
        for message in try dump(NeighbourCodec.dump(family: Netlink.Family.bridge)) where message.type == Netlink.MessageType.newNeighbour {
            let entry: NeighbourCodec.Decoded
            do { entry = try NeighbourCodec.decode(message) } catch { throw .decoding(error) }
            guard entry.flags & Netlink.neighbourSelf != 0, let destination = entry.address, let mac = entry.mac, let name = names[entry.index] else { continue }
            result.append(ForwardingEntry(interface: name, mac: mac, destination: destination))
        }
        return result
    }

    // MARK: Changing

    /// Carries out `changes`, batched: every link change first (in their order, so later
    /// changes can name links just made), then the others in their order. Returns the ones
    /// the kernel refused, each error naming its object; an unknown interface fails only its
    /// own change.
    public func apply(_ changes: [KernelChange]) throws(NetlinkError) -> [(change: KernelChange, error: NetlinkError)] {
        guard !changes.isEmpty else { return [] }
        var indexes = try interfaceIndexes()
        var failures: [(change: KernelChange, error: NetlinkError)] = []
        // Links first, one batch, so later changes can name the links they created.
        var rest: [KernelChange] = []
        var linkRequests: [(KernelChange, NetlinkRequest)] = []
        for change in changes {
            switch change {
            case .addLink, .deleteLink:
                do { linkRequests.append((change, try change.request(index: Self.lookup(indexes)))) } catch { failures.append((change, error)) }
            default:
                rest.append(change)
            }
        }
        if !linkRequests.isEmpty {
            let linkFailures = try execute(linkRequests)
            failures += linkFailures
            indexes = try interfaceIndexes()
            // veth pairs are made down (an end cannot open before its peer exists): up now.
            var raise: [(KernelChange, NetlinkRequest)] = []
            for (change, _) in linkRequests where !linkFailures.contains(where: { $0.change == change }) {
                guard case let .addLink(link) = change, case let .veth(peer) = link.kind, link.up else { continue }
                for name in [link.name, peer] {
                    if let index = indexes[name] { raise.append((change, LinkCodec.setUp(true, name: name, index: index))) }
                }
            }
            failures += try execute(raise)
        }
        var requests: [(KernelChange, NetlinkRequest)] = []
        for change in rest {
            do { requests.append((change, try change.request(index: Self.lookup(indexes)))) } catch { failures.append((change, error)) }
        }
        failures += try execute(requests)
        return failures
    }

    /// Carries out one change, throwing its error.
    public func apply(_ change: KernelChange) throws(NetlinkError) {
        if let failure = try apply([change]).first { throw failure.error }
    }

    /// Changes a link in place to match `desired`: up/down, MTU, MAC, bridge port, each only
    /// if it differs (re-setting a VXLAN device's MAC flushes its neighbours).
    public func update(_ desired: Link) throws(NetlinkError) {
        let links = try self.links()
        guard let current = links.first(where: { $0.name == desired.name }) else {
            throw .unknownInterface(desired.name, subject: desired.description)
        }
        let indexes = Dictionary(links.map { ($0.name, $0.index) }, uniquingKeysWith: { first, _ in first })
        var masterIndex: Int32?
        if let master = desired.master, master != current.master {
            guard let index = indexes[master] else { throw .unknownInterface(master, subject: desired.description) }
            masterIndex = index
        }
        let mtu = desired.mtu != nil && desired.mtu != current.mtu
        let mac = desired.mac != nil && desired.mac != current.mac
        let clearMaster = desired.master == nil && current.master != nil
        guard mtu || mac || masterIndex != nil || clearMaster || desired.up != current.up else { return }
        let request = LinkCodec.change(desired, index: current.index, mtu: mtu, mac: mac, master: masterIndex, clearMaster: clearMaster)
        if let failure = try execute([(KernelChange.addLink(desired), request)]).first { throw failure.error }
    }

    /// Moves link `name` into the network namespace at `path` (a container's, for CNI).
    public func moveLink(_ name: String, toNamespace path: String) throws(NetlinkError) {
        guard let index = try interfaceIndexes()[name] else { throw .unknownInterface(name, subject: "link \(name)") }
        let fd = path.withCString { clashup_netlink_open_namespace($0) }
        guard fd >= 0 else { throw .socket("cannot open the network namespace \(path)", code: -fd) }
        defer { clashup_netlink_close(fd) }
        let request = LinkCodec.move(name: name, index: index, namespaceFD: fd)
        if let failure = try execute([(KernelChange.deleteLink(name), request)]).first { throw failure.error }
    }

    // MARK: Plumbing

    func dump(_ request: NetlinkRequest) throws(NetlinkError) -> [NetlinkMessage] {
        try socket.withLock { (socket: inout NetlinkSocket) throws(NetlinkError) in try socket.dump(request) }
    }

    func execute(_ requests: [(KernelChange, NetlinkRequest)]) throws(NetlinkError) -> [(change: KernelChange, error: NetlinkError)] {
        guard !requests.isEmpty else { return [] }
        let outcomes = try socket.withLock { (socket: inout NetlinkSocket) throws(NetlinkError) in try socket.execute(requests.map(\.1)) }
        return zip(requests, outcomes).compactMap { request, outcome in outcome.map { (request.0, $0) } }
    }

    func interfaceIndexes() throws(NetlinkError) -> [String: Int32] {
        Dictionary(try links().map { ($0.name, $0.index) }, uniquingKeysWith: { first, _ in first })
    }

    func interfaceNames() throws(NetlinkError) -> [Int32: String] {
        Dictionary(try links().map { ($0.index, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    static func lookup(_ indexes: [String: Int32]) -> (String, @autoclosure () -> String) throws(NetlinkError) -> Int32 {
        { (name: String, subject: @autoclosure () -> String) throws(NetlinkError) -> Int32 in
            guard let index = indexes[name] else { throw .unknownInterface(name, subject: subject()) }
            return index
        }
    }
}
