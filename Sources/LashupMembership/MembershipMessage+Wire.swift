import LashupWire

extension MessageType {
    /// Membership messages use types 0x0100...0x01FF; one frame type carries them all, with
    /// the message kind as the payload's first byte.
    public static let membership = MessageType(rawValue: 0x0100)
}

extension MembershipMessage: WireMessage {
    public static var messageType: MessageType { .membership }

    /// Longest list of peers any membership message may carry.
    public static let maximumPeersPerMessage = 256

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(kindCode)
        switch self {
        case let .join(joiner):
            joiner.encode(to: &writer)
        case let .joinAccept(peers), let .joinDeny(peers), let .neighborReject(peers):
            Self.encodePeers(peers, to: &writer)
        case let .forwardJoin(joiner, ttl):
            joiner.encode(to: &writer)
            writer.writeUInt8(ttl)
        case let .neighbor(requester, priority):
            requester.encode(to: &writer)
            writer.writeUInt8(priority.rawValue)
        case .neighborAccept:
            break
        case let .disconnect(leaving):
            writer.writeBool(leaving)
        case let .shuffle(origin, sample, ttl, id):
            origin.encode(to: &writer)
            Self.encodePeers(sample, to: &writer)
            writer.writeUInt8(ttl)
            writer.writeVarint(id)
        case let .shuffleReply(sample, id):
            Self.encodePeers(sample, to: &writer)
            writer.writeVarint(id)
        case let .ping(sequence):
            writer.writeVarint(sequence)
        case let .pong(sequence, isNeighbor):
            writer.writeVarint(sequence)
            writer.writeBool(isNeighbor)
        case let .pingRequest(target, sequence):
            target.encode(to: &writer)
            writer.writeVarint(sequence)
        case let .pingRequestResult(target, sequence, alive):
            writer.writeString(target.name)
            writer.writeVarint(sequence)
            writer.writeBool(alive)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let kind = try reader.readUInt8("membership.kind")
        switch kind {
        case 1: self = .join(joiner: try Peer(from: &reader))
        case 2: self = .joinAccept(passiveSample: try Self.decodePeers(&reader))
        case 3: self = .joinDeny(alternatives: try Self.decodePeers(&reader))
        case 4: self = .forwardJoin(joiner: try Peer(from: &reader), ttl: try reader.readUInt8("forwardJoin.ttl"))
        case 5:
            let requester = try Peer(from: &reader)
            let raw = try reader.readUInt8("neighbor.priority")
            guard let priority = NeighborPriority(rawValue: raw) else {
                throw .unknownTag(field: "neighbor.priority", tag: UInt64(raw))
            }
            self = .neighbor(requester: requester, priority: priority)
        case 6: self = .neighborAccept
        case 7: self = .neighborReject(passiveSample: try Self.decodePeers(&reader))
        case 8: self = .disconnect(leaving: try reader.readBool("disconnect.leaving"))
        case 9:
            let origin = try Peer(from: &reader)
            let sample = try Self.decodePeers(&reader)
            let ttl = try reader.readUInt8("shuffle.ttl")
            self = .shuffle(origin: origin, sample: sample, ttl: ttl, id: try reader.readVarint("shuffle.id"))
        case 10:
            let sample = try Self.decodePeers(&reader)
            self = .shuffleReply(sample: sample, id: try reader.readVarint("shuffleReply.id"))
        case 11: self = .ping(sequence: try reader.readVarint("ping.sequence"))
        case 12:
            let sequence = try reader.readVarint("pong.sequence")
            self = .pong(sequence: sequence, isNeighbor: try reader.readBool("pong.isNeighbor"))
        case 13:
            let target = try Peer(from: &reader)
            self = .pingRequest(target: target, sequence: try reader.readVarint("pingRequest.sequence"))
        case 14:
            let target = try NodeID.read(from: &reader, "pingRequestResult.target")
            let sequence = try reader.readVarint("pingRequestResult.sequence")
            self = .pingRequestResult(target: target, sequence: sequence, alive: try reader.readBool("pingRequestResult.alive"))
        default:
            throw .unknownTag(field: "membership.kind", tag: UInt64(kind))
        }
    }

    private static func encodePeers(_ peers: [Peer], to writer: inout WireWriter) {
        let bounded = peers.prefix(maximumPeersPerMessage)
        writer.writeVarint(bounded.count)
        for peer in bounded { peer.encode(to: &writer) }
    }

    private static func decodePeers(_ reader: inout WireReader) throws(WireError) -> [Peer] {
        let count = try reader.readCount("membership.peers", minimumElementBytes: 3)
        guard count <= maximumPeersPerMessage else {
            throw .limitExceeded(field: "membership.peers", value: UInt64(count), limit: UInt64(maximumPeersPerMessage))
        }
        var peers: [Peer] = []
        peers.reserveCapacity(count)
        for _ in 0..<count { peers.append(try Peer(from: &reader)) }
        return peers
    }
}
