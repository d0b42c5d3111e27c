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
        return StableHash.hash(state.encodedBytes(), seed: StableHash.hash(key.encodedBytes()))
    }

    /// For each bucket, the XOR of the digests of its keys: order-independent, so two replicas
    /// holding the same states agree whatever order they learnt them in.
    public func bucketDigests() -> [UInt64] {
        var buckets = Array(repeating: UInt64(0), count: KeySpace.bucketCount)
        for key in objects.keys {
            buckets[KeySpace.bucket(of: key)] ^= digest(of: key)
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
