import LashupMembership
import LashupWire

extension MessageType {
    /// Plumtree messages.
    public static let gossip = MessageType(rawValue: 0x0200)
    /// Global membership digests and records.
    public static let memberSync = MessageType(rawValue: 0x0300)
}

extension GossipMessage: WireMessage {
    public static var messageType: MessageType { .gossip }

    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .gossip(id, topic, payload, hops):
            writer.writeUInt8(1)
            id.encode(to: &writer)
            writer.writeString(topic)
            writer.writeBytes(payload)
            writer.writeVarint(UInt64(hops))
        case let .ihave(ids):
            writer.writeUInt8(2)
            writer.writeVarint(ids.count)
            for id in ids { id.encode(to: &writer) }
        case let .graft(id):
            writer.writeUInt8(3)
            id.encode(to: &writer)
        case let .prune(root):
            writer.writeUInt8(4)
            writer.writeString(root.name)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let kind = try reader.readUInt8("gossip.kind")
        switch kind {
        case 1:
            let id = try BroadcastID(from: &reader)
            let topic = try reader.readString("gossip.topic")
            guard !topic.isEmpty, topic.utf8.count <= 255 else {
                throw .invalidValue(field: "gossip.topic", reason: "topics are 1...255 bytes")
            }
            let payload = try reader.readBytes("gossip.payload")
            let hops = try reader.readBoundedVarint("gossip.hops", limit: Int(UInt16.max))
            self = .gossip(id: id, topic: topic, payload: payload, hops: UInt16(hops))
        case 2:
            let count = try reader.readCount("ihave.count", minimumElementBytes: 4)
            guard count <= 4096 else { throw .limitExceeded(field: "ihave.count", value: UInt64(count), limit: 4096) }
            var ids: [BroadcastID] = []
            for _ in 0..<count { ids.append(try BroadcastID(from: &reader)) }
            self = .ihave(ids)
        case 3: self = .graft(try BroadcastID(from: &reader))
        case 4:
            self = .prune(root: try NodeID.read(from: &reader, "prune.root"))
        default: throw .unknownTag(field: "gossip.kind", tag: UInt64(kind))
        }
    }
}

/// Reconciliation of global membership between two new neighbours: each sends a digest, and
/// answers the other's digest with the records it lacks or holds in an older version.
public enum MemberSync: Sendable, Equatable {
    case digest([MemberDigestEntry])
    case records([MemberRecord])
}

extension MemberSync: WireMessage {
    public static var messageType: MessageType { .memberSync }
    /// Most entries in one digest or records message.
    public static let maximumEntries = 100_000

    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .digest(entries):
            writer.writeUInt8(1)
            writer.writeVarint(entries.count)
            for entry in entries {
                writer.writeString(entry.id.name)
                writer.writeVarint(entry.incarnation)
                writer.writeVarint(entry.version)
            }
        case let .records(records):
            writer.writeUInt8(2)
            writer.writeVarint(records.count)
            for record in records { record.encode(to: &writer) }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let kind = try reader.readUInt8("memberSync.kind")
        let count = try reader.readCount("memberSync.count", minimumElementBytes: 3)
        guard count <= MemberSync.maximumEntries else {
            throw .limitExceeded(field: "memberSync.count", value: UInt64(count), limit: UInt64(MemberSync.maximumEntries))
        }
        switch kind {
        case 1:
            var entries: [MemberDigestEntry] = []
            for _ in 0..<count {
                let id = try NodeID.read(from: &reader, "digest.id")
                let incarnation = try reader.readVarint("digest.incarnation")
                let version = try reader.readVarint("digest.version")
                entries.append(MemberDigestEntry(id: id, incarnation: incarnation, version: version))
            }
            self = .digest(entries)
        case 2:
            var records: [MemberRecord] = []
            for _ in 0..<count { records.append(try MemberRecord(from: &reader)) }
            self = .records(records)
        default:
            throw .unknownTag(field: "memberSync.kind", tag: UInt64(kind))
        }
    }
}
