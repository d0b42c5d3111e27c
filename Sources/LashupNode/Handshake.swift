import LashupMembership
import LashupWire

extension MessageType {
    /// The first frame each side of a connection sends.
    public static let hello = MessageType(rawValue: 0x0010)
    /// Sent instead of traffic when a peer's hello is unacceptable, so its operator reads why.
    public static let refusal = MessageType(rawValue: 0x0011)
}

/// Who is on the other end of a connection. Both sides send one before anything else; a
/// connection carries no node traffic until each side has accepted the other's.
public struct Hello: WireMessage, Sendable, Equatable {
    public static var messageType: MessageType { .hello }
    /// The version of the node protocol (the frames after the hello) this build speaks.
    public static let protocolVersion: UInt16 = 1
    /// The oldest version this build still accepts. With `protocolVersion`, and one version
    /// newer (whose builds promise to speak this one to it), the range of peers it connects
    /// to: a rolling upgrade always has adjacent versions on both ends of a link.
    public static let oldestAcceptedVersion: UInt16 = 1

    /// The versions a node speaking `version` accepts from its peers: from the oldest it still
    /// speaks up to one newer.
    public static func acceptedVersions(speaking version: UInt16, oldest: UInt16 = oldestAcceptedVersion) -> ClosedRange<UInt16> {
        min(oldest, version)...(version == .max ? version : version + 1)
    }

    public var cluster: String
    public var node: NodeID
    public var incarnation: UInt64
    public var protocolVersion: UInt16
    /// Where the sender's gossip listener is reached.
    public var address: String

    public init(cluster: String, node: NodeID, incarnation: UInt64, address: String, protocolVersion: UInt16 = Hello.protocolVersion) {
        self.cluster = cluster
        self.node = node
        self.incarnation = incarnation
        self.protocolVersion = protocolVersion
        self.address = address
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeString(cluster)
        writer.writeString(node.name)
        writer.writeVarint(incarnation)
        writer.writeVarint(UInt64(protocolVersion))
        writer.writeString(address)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        cluster = try reader.readString("hello.cluster")
        node = try NodeID.read(from: &reader, "hello.node")
        incarnation = try reader.readVarint("hello.incarnation")
        let version = try reader.readVarint("hello.protocolVersion")
        guard version <= UInt64(UInt16.max) else {
            throw .invalidValue(field: "hello.protocolVersion", reason: "\(version) is not a protocol version")
        }
        protocolVersion = UInt16(version)
        address = try reader.readString("hello.address")
        guard cluster.utf8.count <= 255, address.utf8.count <= 1024 else {
            throw .invalidValue(field: "hello", reason: "cluster name over 255 bytes or address over 1024")
        }
    }

    /// Why `peer`'s hello is unacceptable to `self`, or nil when it is acceptable.
    /// - Parameter oldest: the oldest protocol version this node still accepts.
    public func refusalReason(for peer: Hello, oldest: UInt16 = Hello.oldestAcceptedVersion) -> String? {
        let accepted = Hello.acceptedVersions(speaking: protocolVersion, oldest: oldest)
        if peer.protocolVersion < accepted.lowerBound {
            return "protocol version \(peer.protocolVersion) is too old: this node speaks \(protocolVersion) and accepts \(accepted.lowerBound)–\(accepted.upperBound); upgrade that node first"
        }
        if peer.protocolVersion > accepted.upperBound {
            return "protocol version \(peer.protocolVersion) is too new: this node speaks \(protocolVersion) and accepts \(accepted.lowerBound)–\(accepted.upperBound); upgrade this node, one version at a time"
        }
        if peer.cluster != cluster {
            return "cluster \"\(peer.cluster)\" is not ours (\"\(cluster)\")"
        }
        if peer.node == node {
            return "it is this node (\(node)) itself"
        }
        return nil
    }
}

/// Why a connection was refused.
public struct Refusal: WireMessage, Sendable, Equatable {
    public static var messageType: MessageType { .refusal }
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public func encode(to writer: inout WireWriter) { writer.writeString(reason) }

    public init(from reader: inout WireReader) throws(WireError) {
        reason = try reader.readString("refusal.reason")
    }
}
