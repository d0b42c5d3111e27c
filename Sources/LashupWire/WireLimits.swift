/// Upper bounds a decoder enforces, so no input can make it allocate without limit.
///
/// The defaults suit node-to-node traffic; a caller decoding something known to be small
/// (a handshake, a DNS name) can tighten them.
public struct WireLimits: Sendable, Equatable {
    /// Largest frame payload accepted, in bytes. Default 4 MiB.
    public var maximumFrameBytes: Int
    /// Largest single string or byte field, in bytes. Default 1 MiB.
    public var maximumFieldBytes: Int
    /// Largest element count of any one array, set or map. Default 1 048 576.
    public var maximumElementCount: Int
    /// Deepest nesting of recursive structures (tuples, nested maps). Default 32.
    public var maximumNestingDepth: Int

    public init(
        maximumFrameBytes: Int = 4 * 1024 * 1024,
        maximumFieldBytes: Int = 1024 * 1024,
        maximumElementCount: Int = 1 << 20,
        maximumNestingDepth: Int = 32
    ) {
        self.maximumFrameBytes = maximumFrameBytes
        self.maximumFieldBytes = maximumFieldBytes
        self.maximumElementCount = maximumElementCount
        self.maximumNestingDepth = maximumNestingDepth
    }

    /// The limits every Lashup node uses unless configured otherwise.
    public static let `default` = WireLimits()
}
