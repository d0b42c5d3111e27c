/// Tunables of the broadcast tree.
public struct PlumtreeConfig: Sendable {
    /// How long to wait after the first IHAVE for the payload before grafting.
    public var missingTimeout = Duration.milliseconds(150)
    /// Wait between grafts to successive announcers of the same message.
    public var graftRetryTimeout = Duration.milliseconds(100)
    /// Sequence numbers remembered above one origin's contiguous watermark for deduplication
    /// (see `SeenBroadcasts`); beyond it the oldest gap is given up as seen.
    public var maximumSeenAboveWatermark = 4_096
    /// Payloads kept to answer grafts, and the most bytes they may occupy.
    public var payloadCacheCount = 4_096
    public var payloadCacheBytes = 16 * 1024 * 1024
    /// Largest payload accepted for broadcast.
    public var maximumPayloadBytes = 1024 * 1024
    /// IHAVE announcements are batched per peer and sent this often, so a burst of broadcasts
    /// costs one announcement message per lazy link rather than one per broadcast.
    public var ihaveFlushDelay = Duration.milliseconds(50)
    /// Messages announced per IHAVE batch.
    public var maximumIHaveBatch = 256
    /// Announcers remembered per missing message.
    public var maximumAnnouncersPerMessage = 8
    /// Origins whose trees, and whose broadcasts seen, are remembered.
    public var maximumOrigins = 100_000
    /// Missing messages tracked at once.
    public var maximumMissing = 10_000

    public init() {}
}
