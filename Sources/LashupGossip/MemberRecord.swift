import LashupMembership
import LashupWire

/// What one node tells the cluster about itself: who it is, where to reach it, which
/// incarnation is running, its current active view, and free-form metadata.
///
/// Records are ordered by `(incarnation, version)`: a restart persists and bumps the
/// incarnation, every change of the active view bumps the version, so the newest record of a
/// node always wins, whatever order records arrive in.
public struct MemberRecord: Sendable, Equatable {
    public static let maximumMetadataEntries = 32
    public static let maximumMetadataBytes = 256
    public static let maximumViewSize = 64

    public var peer: Peer
    public var incarnation: UInt64
    public var version: UInt64
    /// The node's advertised active view, sorted by id (the routing graph's edges).
    public var activeView: [NodeID]
    public var metadata: [String: String]
    /// Set in the record a node publishes as it leaves gracefully.
    public var leaving: Bool

    public init(peer: Peer, incarnation: UInt64, version: UInt64, activeView: [NodeID], metadata: [String: String] = [:], leaving: Bool = false) {
        self.peer = peer
        self.incarnation = incarnation
        self.version = version
        self.activeView = activeView.sortedIfNeeded()
        self.metadata = metadata
        self.leaving = leaving
    }

    public var id: NodeID { peer.id }

    /// Whether this record is newer than `other` (of the same node).
    public func supersedes(_ other: MemberRecord) -> Bool {
        (incarnation, version) > (other.incarnation, other.version)
    }
}

extension MemberRecord: WireCodable {
    public func encode(to writer: inout WireWriter) {
        peer.encode(to: &writer)
        writer.writeVarint(incarnation)
        writer.writeVarint(version)
        let view = activeView.prefix(MemberRecord.maximumViewSize)
        writer.writeVarint(view.count)
        for node in view { writer.writeString(node.name) }
        let entries = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.prefix(MemberRecord.maximumMetadataEntries)
        writer.writeVarint(entries.count)
        for (key, value) in entries {
            writer.writeString(String(key.utf8.prefix(MemberRecord.maximumMetadataBytes))!)
            writer.writeString(String(value.utf8.prefix(MemberRecord.maximumMetadataBytes)) ?? "")
        }
        writer.writeBool(leaving)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        peer = try Peer(from: &reader)
        incarnation = try reader.readVarint("member.incarnation")
        version = try reader.readVarint("member.version")
        let viewCount = try reader.readCount("member.activeView", minimumElementBytes: 2)
        guard viewCount <= MemberRecord.maximumViewSize else {
            throw .limitExceeded(field: "member.activeView", value: UInt64(viewCount), limit: UInt64(MemberRecord.maximumViewSize))
        }
        var view: [NodeID] = []
        for _ in 0..<viewCount {
            view.append(try NodeID.read(from: &reader, "member.activeView.node"))
        }
        activeView = view.sortedIfNeeded()
        let metadataCount = try reader.readCount("member.metadata", minimumElementBytes: 2)
        guard metadataCount <= MemberRecord.maximumMetadataEntries else {
            throw .limitExceeded(field: "member.metadata", value: UInt64(metadataCount), limit: UInt64(MemberRecord.maximumMetadataEntries))
        }
        var metadata: [String: String] = [:]
        for _ in 0..<metadataCount {
            let key = try reader.readString("member.metadata.key")
            let value = try reader.readString("member.metadata.value")
            guard key.utf8.count <= MemberRecord.maximumMetadataBytes, value.utf8.count <= MemberRecord.maximumMetadataBytes else {
                throw .invalidValue(field: "member.metadata", reason: "keys and values are at most \(MemberRecord.maximumMetadataBytes) bytes")
            }
            metadata[key] = value
        }
        self.metadata = metadata
        leaving = try reader.readBool("member.leaving")
    }
}

/// One line of a membership digest: enough to tell whose record is newer.
public struct MemberDigestEntry: Sendable, Equatable {
    public var id: NodeID
    public var incarnation: UInt64
    public var version: UInt64

    public init(id: NodeID, incarnation: UInt64, version: UInt64) {
        self.id = id
        self.incarnation = incarnation
        self.version = version
    }
}
