import LashupCRDT
import LashupWire

/// One key and the hash of its state, as anti-entropy exchanges them.
public struct KeyDigest: Hashable, Sendable {
    public var key: Key
    public var digest: UInt64

    public init(key: Key, digest: UInt64) {
        self.key = key
        self.digest = digest
    }
}

extension KeySpace {
    /// Number of buckets the key space is hashed into for comparison: two replicas first
    /// compare 256 bucket hashes (2 KiB), then key digests only in buckets that differ.
    public static let bucketCount = 256

    /// The bucket `key` falls in, the same on every node.
    public static func bucket(of key: Key) -> Int {
        Int(StableHash.hash(key.encodedBytes()) % UInt64(bucketCount))
    }

    /// A hash of `key`'s state. Encodings are canonical, so equal states hash equal on every
    /// node; the key is folded in so that equal values under different keys differ.
    public func digest(of key: Key) -> UInt64 {
        guard let state = objects[key] else { return 0 }
        if !staleDigests.contains(key), let cached = keyDigestCache[key] { return cached }
        return KeySpace.digest(of: key, state: state)
    }

    /// The digest `state` would have under `key`.
    public static func digest(of key: Key, state: Causal<ORMap>) -> UInt64 {
        StableHash.hash(state.encodedBytes(), seed: StableHash.hash(key.encodedBytes()))
    }

    /// For each bucket, the XOR of the digests of its keys: order-independent, so two replicas
    /// holding the same states agree whatever order they learnt them in. Cheap after
    /// `refreshDigests()`; otherwise changed keys are hashed on the fly.
    public func bucketDigests() -> [UInt64] {
        var buckets = bucketCache
        for key in staleDigests {
            let bucket = KeySpace.bucket(of: key)
            if let old = keyDigestCache[key] { buckets[bucket] ^= old }
            if let state = objects[key] { buckets[bucket] ^= KeySpace.digest(of: key, state: state) }
        }
        return buckets
    }

    /// The key digests of every key in `buckets`, sorted by key.
    public func keyDigests(inBuckets buckets: Set<Int>) -> [KeyDigest] {
        objects.keys
            .filter { buckets.contains(KeySpace.bucket(of: $0)) }
            .sorted()
            .map { KeyDigest(key: $0, digest: digest(of: $0)) }
    }
}
