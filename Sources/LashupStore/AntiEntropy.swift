import LashupCRDT

/// One step of an anti-entropy exchange between two replicas.
public enum AntiEntropyMessage: Sendable, Equatable {
    /// Opening: the sender's bucket hashes.
    case buckets([UInt64])
    /// The key digests the sender holds in the buckets that differ.
    case keys(buckets: [Int], [KeyDigest])
    /// States for keys the receiver lacks or holds differently, and keys the sender wants back.
    case states([KeyState], wanted: [Key])
}

/// A key and its full state, as anti-entropy ships it.
public struct KeyState: Sendable, Equatable {
    public var key: Key
    public var state: Causal<ORMap>

    public init(key: Key, state: Causal<ORMap>) {
        self.key = key
        self.state = state
    }
}

/// Anti-entropy by digest, both directions, without I/O.
///
/// A opens with its 256 bucket hashes; B answers with its key digests in the buckets that
/// differ; A sends the states B lacks or holds differently and names the keys it lacks or
/// holds differently; B sends those. Joins are idempotent, so sending a state both ways when
/// both changed is harmless. Nothing is keyed by node name or remembered between sessions: a
/// replica with a wiped disk, or a new node reusing an old name, receives everything. Each
/// `states` message carries at most `maximumStateBytes`; the rest goes in the next session.
public struct AntiEntropy: Sendable {
    public var maximumStateBytes = 1024 * 1024

    public init() {}

    /// The opening message.
    public func open(_ space: KeySpace) -> AntiEntropyMessage {
        .buckets(space.bucketDigests())
    }

    /// Handles one message against `space`; returns the reply, if any.
    public func receive(_ message: AntiEntropyMessage, space: inout KeySpace) -> AntiEntropyMessage? {
        switch message {
        case let .buckets(theirs):
            let mine = space.bucketDigests()
            let differing = mine.indices.filter { $0 >= theirs.count || theirs[$0] != mine[$0] }
            guard !differing.isEmpty else { return nil }
            return .keys(buckets: differing, space.keyDigests(inBuckets: Set(differing)))
        case let .keys(buckets, theirs):
            var theirDigest: [Key: UInt64] = [:]
            for entry in theirs { theirDigest[entry.key] = entry.digest }
            let mine = space.keyDigests(inBuckets: Set(buckets))
            let toSend = mine.filter { theirDigest[$0.key] != $0.digest }.map(\.key)
            let myKeys = Set(mine.map(\.key))
            let mineByKey = Dictionary(uniqueKeysWithValues: mine.map { ($0.key, $0.digest) })
            let wanted = theirs.filter { !myKeys.contains($0.key) || mineByKey[$0.key] != $0.digest }.map(\.key)
            let states = bounded(toSend, from: space)
            guard !states.isEmpty || !wanted.isEmpty else { return nil }
            return .states(states, wanted: wanted)
        case let .states(states, wanted):
            for entry in states { space.merge(entry.key, entry.state) }
            let reply = bounded(wanted, from: space)
            return reply.isEmpty ? nil : .states(reply, wanted: [])
        }
    }

    /// States of `keys`, stopping before `maximumStateBytes` (always at least one).
    func bounded(_ keys: [Key], from space: KeySpace) -> [KeyState] {
        var result: [KeyState] = []
        var bytes = 0
        for key in keys {
            guard let state = space.objects[key] else { continue }
            let size = state.encodedBuffer().readableBytes
            if !result.isEmpty && bytes + size > maximumStateBytes { break }
            bytes += size
            result.append(KeyState(key: key, state: state))
        }
        return result
    }
}
