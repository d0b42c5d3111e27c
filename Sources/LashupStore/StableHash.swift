/// A 64-bit hash that is the same in every process and on every machine (Swift's `Hasher`
/// is seeded per process, so it cannot be compared across nodes). FNV-1a over the bytes, then
/// a SplitMix finaliser so that nearby inputs spread over all bits.
public enum StableHash {
    public static func hash(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        return mix(value)
    }

    public static func mix(_ input: UInt64) -> UInt64 {
        var x = input
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}
