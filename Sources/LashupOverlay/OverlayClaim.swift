import LashupCRDT
import LashupCluster
import LashupStore

/// A host's claim of a slot (subnet, VTEP address and MAC) in one overlay, as its owner wrote
/// it. Only the owner writes its claim; every host reads them all and resolves conflicts the
/// same way (`ClaimResolution`).
public struct OverlayClaim: Sendable, Hashable {
    public var node: String
    public var slot: Int
    /// When the owner made this claim, on its own clock (ns since the Unix epoch). A new claim
    /// (after losing or being released) always gets a new time; the time identifies the claim.
    public var claimedAt: UInt64
    /// When the owner saw it settle (no competitor for a quiet period, the cluster whole); 0
    /// while it has not. Only a settled claim is routed or handed to containers.
    public var settledAt: UInt64
    /// The owner's underlay address: where VXLAN frames for its VTEP go.
    public var agentIP: String

    public init(node: String, slot: Int, claimedAt: UInt64, settledAt: UInt64 = 0, agentIP: String) {
        self.node = node
        self.slot = slot
        self.claimedAt = claimedAt
        self.settledAt = settledAt
        self.agentIP = agentIP
    }

    public var isSettled: Bool { settledAt > 0 }
}

/// An operator's (or the reclaim grace's) release of one claim: the node's claims made at or
/// before `claimedAt` no longer count, everywhere, and the node itself gives its slot up.
public struct OverlayRelease: Sendable, Hashable {
    public var node: String
    public var claimedAt: UInt64
    public var releasedAt: UInt64
    /// Who released it (a node name, or `operator` for the CLI).
    public var releasedBy: String

    public init(node: String, claimedAt: UInt64, releasedAt: UInt64, releasedBy: String) {
        self.node = node
        self.claimedAt = claimedAt
        self.releasedAt = releasedAt
        self.releasedBy = releasedBy
    }
}

/// Where an overlay's claims and releases live in the store:
/// `["overlay", <overlay>, "hosts", <node>]` and `["overlay", <overlay>, "released", <node>]`,
/// each a few registers, so a claim's change costs the bytes of that claim only.
public enum OverlayStoreKeys {
    /// Every overlay key of every overlay.
    public static let pattern = try! KeyPattern(["overlay"])

    public static func claimKey(overlay: String, node: String) throws(ClusterError) -> Key {
        do { return try Key(["overlay", overlay, "hosts", node]) } catch { throw .rejected(error) }
    }

    public static func releaseKey(overlay: String, node: String) throws(ClusterError) -> Key {
        do { return try Key(["overlay", overlay, "released", node]) } catch { throw .rejected(error) }
    }

    /// What a key is: a claim or a release of `node` in `overlay`; nil for anything else.
    public static func parse(_ key: Key) -> (overlay: String, kind: Kind, node: String)? {
        let segments = key.segments
        guard segments.count == 4, segments[0] == "overlay", let kind = Kind(rawValue: segments[2]) else { return nil }
        return (segments[1], kind, segments[3])
    }

    public enum Kind: String, Sendable {
        case claim = "hosts"
        case release = "released"
    }

    /// The operations that make a claim read back as `claim`, with the addresses it stands for
    /// written alongside for operators (readers trust only the slot).
    public static func operations(_ claim: OverlayClaim, settings: OverlaySettings, timestamp: UInt64) -> [MapOperation] {
        var fields: [(String, Value)] = [
            ("slot", .integer(Int64(claim.slot))),
            ("claimed_ns", .integer(Int64(clamping: claim.claimedAt))),
            ("settled_ns", .integer(Int64(clamping: claim.settledAt))),
            ("agent_ip", .string(claim.agentIP)),
            ("subnet", .string(settings.hostSubnet(claim.slot).description)),
            ("vtep_ip", .string(settings.vtepAddress(claim.slot).description)),
            ("vtep_mac", .string(settings.vtepMAC(claim.slot).description)),
        ]
        if let subnet6 = settings.hostSubnet6(claim.slot), let vtep6 = settings.vtepAddress6(claim.slot) {
            fields += [("subnet6", .string(subnet6.description)), ("vtep_ip6", .string(vtep6.description))]
        }
        return fields.map { .update(.string($0.0), .assign($0.1, timestamp: timestamp)) }
    }

    /// A claim read back; nil when the value is absent, deleted or malformed (a buggy or
    /// hostile writer's fields are not trusted).
    public static func claim(node: String, _ value: Causal<ORMap>?) -> OverlayClaim? {
        guard let map = value?.store,
              case let .integer(slot)? = map.register("slot"), slot >= 0, slot < 1 << 30,
              case let .integer(claimed)? = map.register("claimed_ns"), claimed > 0,
              case let .string(agentIP)? = map.register("agent_ip")
        else { return nil }
        var settled: Int64 = 0
        if case let .integer(value)? = map.register("settled_ns"), value > 0 { settled = value }
        return OverlayClaim(node: node, slot: Int(slot), claimedAt: UInt64(claimed), settledAt: UInt64(settled), agentIP: agentIP)
    }

    public static func operations(_ release: OverlayRelease, timestamp: UInt64) -> [MapOperation] {
        [
            .update("claimed_ns", .assign(.integer(Int64(clamping: release.claimedAt)), timestamp: timestamp)),
            .update("released_ns", .assign(.integer(Int64(clamping: release.releasedAt)), timestamp: timestamp)),
            .update("released_by", .assign(.string(release.releasedBy), timestamp: timestamp)),
        ]
    }

    public static func release(node: String, _ value: Causal<ORMap>?) -> OverlayRelease? {
        guard let map = value?.store, case let .integer(claimed)? = map.register("claimed_ns"), claimed > 0 else { return nil }
        var releasedAt: Int64 = 0
        if case let .integer(value)? = map.register("released_ns") { releasedAt = value }
        var by = ""
        if case let .string(value)? = map.register("released_by") { by = value }
        return OverlayRelease(node: node, claimedAt: UInt64(claimed), releasedAt: UInt64(max(0, releasedAt)), releasedBy: by)
    }
}
