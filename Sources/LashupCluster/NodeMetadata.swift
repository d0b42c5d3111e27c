import LashupCRDT
import LashupStore

/// A node's small published record: its addresses and host name. Each node writes only its
/// own, under `["nodes", <name>]`; `/v1/nodes` and the `thisnode` zone answer from it (and,
/// later, the overlay's VTEP).
public struct NodeMetadata: Sendable, Equatable {
    /// The address other hosts reach it at inside the cluster (empty: unknown).
    public var privateIP: String
    /// Addresses reachable from outside the cluster, in the order given.
    public var publicIPs: [String]
    public var hostName: String

    public init(privateIP: String = "", publicIPs: [String] = [], hostName: String = "") {
        self.privateIP = privateIP
        self.publicIPs = publicIPs
        self.hostName = hostName
    }

    /// Where every node's record lives: `["nodes", <name>]`.
    public static let pattern = try! KeyPattern(["nodes", "*"])

    /// The key of `node`'s record.
    public static func key(of node: String) throws(ClusterError) -> Key {
        do { return try Key(["nodes", node]) } catch { throw .rejected(error) }
    }

    /// Reads a record back; an absent or deleted one reads as empty metadata.
    public init(_ value: Causal<ORMap>?) {
        let map = value?.store ?? ORMap()
        if case let .string(ip)? = map.register("private_ip") { privateIP = ip } else { privateIP = "" }
        if case let .string(name)? = map.register("host_name") { hostName = name } else { hostName = "" }
        // Kept as one register (not a set) so the published order survives.
        if case let .string(joined)? = map.register("public_ips") {
            publicIPs = joined.split(separator: ",").map(String.init)
        } else {
            publicIPs = []
        }
    }

    /// The operations that make a record read back as `self`, stamped `timestamp` (the
    /// writer's clock in nanoseconds; only the owner writes, so the newest always wins).
    public func operations(timestamp: UInt64) -> [MapOperation] {
        [
            .update("private_ip", .assign(.string(privateIP), timestamp: timestamp)),
            .update("public_ips", .assign(.string(publicIPs.joined(separator: ",")), timestamp: timestamp)),
            .update("host_name", .assign(.string(hostName), timestamp: timestamp)),
            .update("updated_ns", .assign(.integer(Int64(clamping: timestamp)), timestamp: timestamp)),
        ]
    }
}
