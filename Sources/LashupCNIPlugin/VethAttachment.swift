import Glibc
import LashupCNIProtocol
import LashupCRDT
import LashupNetlink

/// One attachment's kernel side: a veth pair whose host end (`lx…`) is a port of the
/// overlay's bridge and whose other end is the container's interface, with its address and
/// default route. Everything is found again by name, so every step can be repeated.
struct VethAttachment {
    let host: RTNetlink
    let namespacePath: String
    let interfaceName: String
    let hostName: String

    /// Opens rtnetlink clients in the host namespace (`hostNamespace`, nil: this process's)
    /// and the container's.
    init(containerID: String, interfaceName: String, namespacePath: String, hostNamespace: String?) throws(CNIPluginError) {
        self.namespacePath = namespacePath
        self.interfaceName = interfaceName
        hostName = HostVethName.host(containerID: containerID, interfaceName: interfaceName)
        host = try Self.client(hostNamespace, what: "the host's network namespace")
    }

    static func client(_ namespace: String?, what: String) throws(CNIPluginError) -> RTNetlink {
        do {
            return try RTNetlink(namespace: namespace)
        } catch {
            throw CNIPluginError(code: CNIErrorCode.kernelFailure, "cannot open rtnetlink in \(what)", details: "\(error)")
        }
    }

    func container() throws(CNIPluginError) -> RTNetlink {
        guard access(namespacePath, F_OK) == 0 else {
            throw CNIPluginError(code: 3, "the container's network namespace \(namespacePath) does not exist")
        }
        return try Self.client(namespacePath, what: "the container's network namespace \(namespacePath)")
    }

    /// Makes the attachment as `allocation` says, or brings an existing one back to it, and
    /// returns ADD's result. An existing pair is kept (ADD repeated after a runtime's retry);
    /// a host end whose container end never got its name (an ADD cut short) is made again.
    func setUp(_ allocation: Allocation) throws(CNIPluginError) -> CNIResult {
        let container = try container()
        try kernel("set up \(interfaceName) in \(namespacePath)") { () throws(NetlinkError) in
            let hostLinks = try host.links()
            guard hostLinks.contains(where: { $0.name == allocation.bridge }) else {
                throw NetlinkError.unknownInterface(allocation.bridge, subject: "bridge")
            }
            let hostEndExists = hostLinks.contains { $0.name == hostName }
            let containerEndExists = try container.links().contains { $0.name == interfaceName }
            if hostEndExists && !containerEndExists {
                try host.apply(.deleteLink(hostName))
            }
            if !(hostEndExists && containerEndExists) {
                // The container's end is made inside its namespace under its own name, in the
                // same request: no move (a network grace period, ~20 ms) and no rename.
                try host.addVeth(hostName, mtu: allocation.mtu, peer: interfaceName, inNamespace: namespacePath)
            }
            try host.update(Link(name: hostName, kind: .veth(peer: ""), mtu: allocation.mtu, up: true, master: allocation.bridge))
            try container.update(Link(name: interfaceName, kind: .veth(peer: ""), mtu: allocation.mtu, up: true))
            try container.update(Link(name: "lo", kind: .other("loopback"), up: true))
            let present = Set(try container.addresses())
            for prefix in [allocation.address] + (allocation.address6.map { [$0] } ?? []) {
                let address = InterfaceAddress(interface: interfaceName, prefix: prefix)
                if !present.contains(address) { try container.apply(.addAddress(address)) }
            }
            for route in allocation.defaultRoutes(device: interfaceName) {
                try container.apply(.replaceRoute(route))
            }
        }
        return try result(allocation, container: container)
    }

    /// ADD's result, with the MACs the kernel gave both ends.
    func result(_ allocation: Allocation, container: RTNetlink) throws(CNIPluginError) -> CNIResult {
        let (hostLink, containerLink) = try kernel("read back \(interfaceName)") { () throws(NetlinkError) in
            (try host.links().first { $0.name == hostName }, try container.links().first { $0.name == interfaceName })
        }
        let mtu = Int(allocation.mtu)
        var ips = [CNIResult.IPConfiguration(address: allocation.address.description, gateway: allocation.gateway.description, interface: 1)]
        var routes = [CNIResult.Route(destination: "0.0.0.0/0", gateway: allocation.gateway.description)]
        if let address6 = allocation.address6 {
            ips.append(CNIResult.IPConfiguration(address: address6.description, gateway: allocation.gateway6?.description, interface: 1))
            if let gateway6 = allocation.gateway6 { routes.append(CNIResult.Route(destination: "::/0", gateway: gateway6.description)) }
        }
        return CNIResult(
            interfaces: [
                CNIResult.Interface(name: hostName, mac: hostLink?.mac?.description, mtu: mtu),
                CNIResult.Interface(name: interfaceName, mac: containerLink?.mac?.description, mtu: mtu, sandbox: namespacePath),
            ],
            ips: ips, routes: routes, nameservers: allocation.nameservers
        )
    }

    /// What differs from `allocation`, each naming the thing: empty when CHECK passes.
    func problems(_ allocation: Allocation) throws(CNIPluginError) -> [String] {
        let container = try container()
        return try kernel("check \(interfaceName) in \(namespacePath)") { () throws(NetlinkError) in
            var problems: [String] = []
            let hostLink = try host.links().first { $0.name == hostName }
            if let hostLink {
                if hostLink.master != allocation.bridge { problems.append("the host veth \(hostName) is not a port of the bridge \(allocation.bridge)") }
                if !hostLink.up { problems.append("the host veth \(hostName) is down") }
            } else {
                problems.append("the host veth \(hostName) does not exist")
            }
            guard let link = try container.links().first(where: { $0.name == interfaceName }) else {
                return problems + ["the container has no interface \(interfaceName)"]
            }
            if !link.up { problems.append("\(interfaceName) is down") }
            if link.mtu != allocation.mtu { problems.append("\(interfaceName) has MTU \(link.mtu.map(String.init) ?? "unknown"), not \(allocation.mtu)") }
            let addresses = Set(try container.addresses().filter { $0.interface == interfaceName }.map(\.prefix))
            for prefix in [allocation.address] + (allocation.address6.map { [$0] } ?? []) where !addresses.contains(prefix) {
                problems.append("\(interfaceName) does not have the address \(prefix)")
            }
            let routes = try container.routes(.v4) + (allocation.address6 == nil ? [] : container.routes(.v6))
            for wanted in allocation.defaultRoutes(device: interfaceName) {
                let present = routes.contains { $0.table == wanted.table && $0.destination == wanted.destination && $0.gateway == wanted.gateway && $0.device == interfaceName }
                if !present { problems.append("the container has no default route via \(wanted.gateway.map { "\($0)" } ?? "?") on \(interfaceName)") }
            }
            return problems
        }
    }

    /// Deletes the host end if it exists, which takes the container's end with it. True when
    /// there was one.
    @discardableResult
    func remove() throws(CNIPluginError) -> Bool {
        try kernel("delete the host veth \(hostName)") { () throws(NetlinkError) in
            guard try host.links().contains(where: { $0.name == hostName }) else { return false }
            do throws(NetlinkError) {
                try host.apply(.deleteLink(hostName))
            } catch where error.kind == .notFound || error.kind == .noDevice {
                // Gone between the dump and the delete (the namespace went away): the goal.
            }
            return true
        }
    }

    /// Runs netlink work, turning its errors into CNI errors that say what was being done. A
    /// missing bridge is the agent's to create: try again later (11).
    func kernel<Value>(_ what: String, _ body: () throws(NetlinkError) -> Value) throws(CNIPluginError) -> Value {
        do {
            return try body()
        } catch let NetlinkError.unknownInterface(name, subject) where subject == "bridge" {
            throw CNIPluginError(code: 11, "the overlay bridge \(name) does not exist on this host yet",
                                 details: "the lashup agent creates it once its overlay subnet is settled; try again later")
        } catch {
            throw CNIPluginError(code: CNIErrorCode.kernelFailure, "cannot \(what): \(error)")
        }
    }
}
