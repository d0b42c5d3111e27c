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
/// `keys` message carries at most `maximumDigestsPerMessage` digests and each `states`
/// message at most `maximumStateBytes`; the rest goes in the next session.
public struct AntiEntropy: Sendable {
    public var maximumStateBytes = 1024 * 1024
    /// Most key digests in one `keys` message (a bucket is never split, so one very full
    /// bucket may exceed it); buckets left out are compared in the next session.
    public var maximumDigestsPerMessage = 16_384

    public init() {}

    /// The opening message.
    public func open(_ space: KeySpace) -> AntiEntropyMessage {
        .buckets(space.bucketDigests())
    }

    /// Handles one message against `space`; returns the reply, if any.
    public func receive(_ message: AntiEntropyMessage, space: inout KeySpace) -> AntiEntropyMessage? {
        receive(message, space: &space, changed: { _, _ in })
    }

    /// Handles one message against `space`, calling `changed` with each key whose value a
    /// received state changed (and that state); returns the reply, if any.
    public func receive(_ message: AntiEntropyMessage, space: inout KeySpace, changed: (Key, Causal<ORMap>) -> Void) -> AntiEntropyMessage? {
        space.refreshDigests()
        switch message {
        case let .buckets(theirs):
            let mine = space.bucketDigests()
            let differing = mine.indices.filter { $0 >= theirs.count || theirs[$0] != mine[$0] }
            guard !differing.isEmpty else { return nil }
            // Whole buckets only (the peer compares bucket by bucket), as many as fit.
            var byBucket: [Int: [KeyDigest]] = [:]
            for entry in space.keyDigests(inBuckets: Set(differing)) {
                byBucket[KeySpace.bucket(of: entry.key), default: []].append(entry)
            }
            var chosen: [Int] = []
            var digests: [KeyDigest] = []
            for bucket in differing {
                let entries = byBucket[bucket] ?? []
                if !chosen.isEmpty && digests.count + entries.count > maximumDigestsPerMessage { break }
                chosen.append(bucket)
                digests += entries
            }
            return .keys(buckets: chosen, digests.sorted { $0.key < $1.key })
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
            for entry in states where space.merge(entry.key, entry.state) { changed(entry.key, entry.state) }
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
