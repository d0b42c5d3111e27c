/// A running 64-bit hash of everything a simulation did, in order. Two runs with the same
/// seed must end with the same value; any divergence, however small, changes it.
public struct TraceHash: Sendable, Equatable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func mix(_ word: UInt64) {
        var x = value ^ word
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        value = x ^ (x >> 31)
    }

    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
