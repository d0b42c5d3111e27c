import Glibc
import LashupCRDT
import Synchronization

/// The kernel's connection tracking table of one network namespace, over ctnetlink
/// (`NETLINK_NETFILTER`, no `conntrack` processes). The load balancer forgets a backend's
/// connections with it when the backend goes: a UDP flow is otherwise pinned to the dead
/// backend until its entry times out.
public final class Conntrack: Sendable {
    let socket: Mutex<NetlinkSocket>
    public let namespace: String?

    /// Opens a client in the network namespace at `namespace` (`/run/netns/NAME`), or in the
    /// caller's. Reading and deleting need CAP_NET_ADMIN.
    public init(namespace: String? = nil) throws(NetlinkError) {
        self.namespace = namespace
        socket = Mutex(try NetlinkSocket(protocol: 12, namespace: namespace))  // NETLINK_NETFILTER
    }

    /// The tracked connections of `family` (nil: both) that `filter` selects (nil: all).
    public func entries(_ family: IPAddressFamily? = nil, matching filter: ConntrackFilter? = nil) throws(NetlinkError) -> [ConntrackEntry] {
        let request = ConntrackCodec.dump(family ?? filter.map { $0.originalDestination.isIPv4 ? .v4 : .v6 })
        // The dump keeps only matching messages (and starts afresh if it is read again after
        // an interruption); they are decoded once more here, which costs only the matches.
        let kept = try socket.withLock { (socket: inout NetlinkSocket) throws(NetlinkError) in
            try socket.dump(request) { (message: NetlinkMessage) throws(NetlinkError) -> Bool in
                guard let entry = try Self.decode(message) else { return false }
                return filter?.matches(entry) ?? true
            }
        }
        var entries: [ConntrackEntry] = []
        for message in kept {
            if let entry = try Self.decode(message) { entries.append(entry) }
        }
        return entries
    }

    static func decode(_ message: NetlinkMessage) throws(NetlinkError) -> ConntrackEntry? {
        do { return try ConntrackCodec.decode(message) } catch { throw .decoding(error) }
    }

    /// Deletes every connection `filter` selects; returns how many the kernel deleted (one
    /// that ended between the dump and its deletion is not counted, and not an error).
    @discardableResult
    public func delete(matching filter: ConntrackFilter) throws(NetlinkError) -> Int {
        let doomed = try entries(matching: filter)
        guard !doomed.isEmpty else { return 0 }
        let outcomes = try socket.withLock { (socket: inout NetlinkSocket) throws(NetlinkError) in
            try socket.execute(doomed.map(ConntrackCodec.delete))
        }
        var deleted = 0
        for outcome in outcomes {
            guard let error = outcome else {
                deleted += 1
                continue
            }
            if error.kind != .notFound { throw error }
        }
        return deleted
    }
}
