import LashupCRDT
import LashupWire

extension MessageType {
    /// Anti-entropy between two replicas of the key space.
    public static let antiEntropy = MessageType(rawValue: 0x0400)
}

extension AntiEntropyMessage: WireMessage {
    public static var messageType: MessageType { .antiEntropy }

    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .buckets(hashes):
            writer.writeUInt8(1)
            writer.writeVarint(hashes.count)
            for hash in hashes { writer.writeUInt64(hash) }
        case let .keys(buckets, digests):
            writer.writeUInt8(2)
            writer.writeVarint(buckets.count)
            for bucket in buckets { writer.writeVarint(bucket) }
            writer.writeVarint(digests.count)
            for entry in digests {
                entry.key.encode(to: &writer)
                writer.writeUInt64(entry.digest)
            }
        case let .states(states, wanted):
            writer.writeUInt8(3)
            writer.writeVarint(states.count)
            for entry in states {
                entry.key.encode(to: &writer)
                entry.state.encode(to: &writer)
            }
            writer.writeVarint(wanted.count)
            for key in wanted { key.encode(to: &writer) }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let kind = try reader.readUInt8("antiEntropy.kind")
        switch kind {
        case 1:
            let count = try reader.readCount("antiEntropy.buckets", minimumElementBytes: 8)
            guard count <= KeySpace.bucketCount else {
                throw .limitExceeded(field: "antiEntropy.buckets", value: UInt64(count), limit: UInt64(KeySpace.bucketCount))
            }
            var hashes: [UInt64] = []
            for _ in 0..<count { hashes.append(try reader.readUInt64("antiEntropy.bucketHash")) }
            self = .buckets(hashes)
        case 2:
            let bucketCount = try reader.readCount("antiEntropy.differing", minimumElementBytes: 1)
            guard bucketCount <= KeySpace.bucketCount else {
                throw .limitExceeded(field: "antiEntropy.differing", value: UInt64(bucketCount), limit: UInt64(KeySpace.bucketCount))
            }
            var buckets: [Int] = []
            for _ in 0..<bucketCount {
                buckets.append(try reader.readBoundedVarint("antiEntropy.bucket", limit: KeySpace.bucketCount - 1))
            }
            let digestCount = try reader.readCount("antiEntropy.digests", minimumElementBytes: 10)
            var digests: [KeyDigest] = []
            for _ in 0..<digestCount {
                let key = try Key(from: &reader)
                digests.append(KeyDigest(key: key, digest: try reader.readUInt64("antiEntropy.digest")))
            }
            self = .keys(buckets: buckets, digests)
        case 3:
            let stateCount = try reader.readCount("antiEntropy.states", minimumElementBytes: 3)
            var states: [KeyState] = []
            for _ in 0..<stateCount {
                let key = try Key(from: &reader)
                states.append(KeyState(key: key, state: try Causal<ORMap>(from: &reader)))
            }
            let wantedCount = try reader.readCount("antiEntropy.wanted", minimumElementBytes: 2)
            var wanted: [Key] = []
            for _ in 0..<wantedCount { wanted.append(try Key(from: &reader)) }
            self = .states(states, wanted: wanted)
        default:
            throw .unknownTag(field: "antiEntropy.kind", tag: UInt64(kind))
        }
    }
}
