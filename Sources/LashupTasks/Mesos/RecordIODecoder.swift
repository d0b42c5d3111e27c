/// What was wrong with a RecordIO stream. After any of these the stream cannot be resynchronised
/// (the next length is unknown), so the decoder stays failed and the caller reconnects.
public enum RecordIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A byte other than `0`–`9` where the frame's decimal length belongs.
    case nonDigitInLength(byte: UInt8)
    /// A length written with more digits than any allowed frame needs.
    case lengthTooManyDigits(limit: Int)
    /// A newline with no digits before it.
    case emptyLength
    /// A frame announced larger than the limit, refused as soon as its digits so far pass the
    /// limit (before any of it is buffered): `length` is the length read up to there.
    case frameTooLarge(length: Int, limit: Int)
    /// The stream ended inside a frame (its length or its body).
    case truncated

    public var description: String {
        switch self {
        case let .nonDigitInLength(byte): "RecordIO: byte 0x\(String(byte, radix: 16)) in a frame length (only decimal digits and a newline belong there)"
        case let .lengthTooManyDigits(limit): "RecordIO: a frame length of more than \(limit) digits"
        case .emptyLength: "RecordIO: an empty frame length (a newline with no digits before it)"
        case let .frameTooLarge(length, limit): "RecordIO: a frame of at least \(length) bytes, over the limit of \(limit)"
        case .truncated: "RecordIO: the stream ended inside a frame"
        }
    }
}

/// Splits a Mesos RecordIO stream (`<decimal length>\n<length bytes>`, repeated) into frames.
///
/// Incremental: bytes arrive in chunks cut anywhere (inside a length, between the length and
/// its newline, inside a body), and a frame is returned once all of it has arrived. Bounded:
/// a length over `maximumFrameBytes` is refused as soon as its digits say so, before the body is
/// buffered, and the digits themselves are limited, so a hostile stream costs at most one frame
/// of memory. Never traps: every malformed input is a `RecordIOError`.
public struct RecordIODecoder: Sendable {
    /// The default largest frame: a Mesos event is far smaller; a `GET_STATE`-sized
    /// `SUBSCRIBED` of a big cluster still fits.
    public static let defaultMaximumFrameBytes = 16 << 20

    public let maximumFrameBytes: Int
    /// Digits a length may have: those of the limit, plus a few for leading zeros.
    let maximumLengthDigits: Int

    enum Phase: Sendable {
        case length(digits: Int, value: Int)
        case body(remaining: Int)
    }

    var phase = Phase.length(digits: 0, value: 0)
    var frame: [UInt8] = []
    var failure: RecordIOError?

    public init(maximumFrameBytes: Int = Self.defaultMaximumFrameBytes) {
        // Clamped so a length digit step (value × 10) can never overflow.
        self.maximumFrameBytes = min(max(0, maximumFrameBytes), 1 << 40)
        maximumLengthDigits = String(self.maximumFrameBytes).count + 4
    }

    /// Whether the bytes fed so far end exactly at a frame boundary (so a stream that closes
    /// here lost nothing).
    public var isAtFrameBoundary: Bool {
        if failure != nil { return false }
        if case .length(digits: 0, _) = phase { return true }
        return false
    }

    /// Feeds the next bytes of the stream and returns the frames they complete, in order.
    /// Once it has thrown, it throws the same error for every later call.
    public mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(RecordIOError) -> [[UInt8]] {
        if let failure { throw failure }
        var frames: [[UInt8]] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            switch phase {
            case let .length(digits, value):
                let byte = bytes[index]
                bytes.formIndex(after: &index)
                if byte == UInt8(ascii: "\n") {
                    guard digits > 0 else { try fail(.emptyLength) }
                    if value == 0 {
                        // An empty record: legal RecordIO, it has no body to wait for.
                        frames.append([])
                        phase = .length(digits: 0, value: 0)
                    } else {
                        frame.reserveCapacity(value)
                        phase = .body(remaining: value)
                    }
                    continue
                }
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { try fail(.nonDigitInLength(byte: byte)) }
                guard digits < maximumLengthDigits else { try fail(.lengthTooManyDigits(limit: maximumLengthDigits)) }
                // Cannot overflow: value ≤ maximumFrameBytes (checked below) before this step.
                let next = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard next <= maximumFrameBytes else { try fail(.frameTooLarge(length: next, limit: maximumFrameBytes)) }
                phase = .length(digits: digits + 1, value: next)
            case let .body(remaining):
                let available = bytes.distance(from: index, to: bytes.endIndex)
                let taken = min(available, remaining)
                let end = bytes.index(index, offsetBy: taken)
                frame.append(contentsOf: bytes[index..<end])
                index = end
                if taken == remaining {
                    frames.append(frame)
                    frame = []
                    phase = .length(digits: 0, value: 0)
                } else {
                    phase = .body(remaining: remaining - taken)
                }
            }
        }
        return frames
    }

    /// Call when the stream ends: throws `truncated` if it ended inside a frame.
    public func finish() throws(RecordIOError) {
        if let failure { throw failure }
        guard isAtFrameBoundary else { throw .truncated }
    }

    mutating func fail(_ error: RecordIOError) throws(RecordIOError) -> Never {
        failure = error
        frame = []
        throw error
    }
}
