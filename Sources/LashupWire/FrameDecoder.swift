import NIOCore

/// Cuts frames out of a byte stream.
///
/// Call `nextFrame(from:)` whenever bytes arrive: it returns a frame once one is complete,
/// `nil` while more bytes are needed, and throws as soon as the header proves the stream is
/// not Lashup, speaks an unsupported version, or announces a payload above the limit, so the
/// caller can close the connection without buffering the oversized payload.
public struct FrameDecoder: Sendable {
    /// Largest payload accepted.
    public let maximumFrameBytes: Int

    public init(maximumFrameBytes: Int = WireLimits.default.maximumFrameBytes) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    public func nextFrame(from buffer: inout ByteBuffer) throws(WireError) -> Frame? {
        let start = buffer.readerIndex
        if buffer.readableBytes >= 2 {
            let magic = buffer.getInteger(at: start, endianness: .big, as: UInt16.self)!
            if magic != Frame.magic { throw .badMagic(found: magic) }
        }
        if buffer.readableBytes >= 3 {
            let version = buffer.getInteger(at: start + 2, as: UInt8.self)!
            if !Frame.supportedVersions.contains(version) {
                throw .unsupportedVersion(found: version, supported: Frame.supportedVersions)
            }
        }
        guard buffer.readableBytes >= Frame.headerBytes else { return nil }
        let version = buffer.getInteger(at: start + 2, as: UInt8.self)!
        let type = buffer.getInteger(at: start + 3, endianness: .big, as: UInt16.self)!
        let length = buffer.getInteger(at: start + 5, endianness: .big, as: UInt32.self)!
        if UInt64(length) > UInt64(maximumFrameBytes) {
            throw .frameTooLarge(declared: UInt64(length), limit: maximumFrameBytes)
        }
        guard buffer.readableBytes >= Frame.headerBytes + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.headerBytes)
        let payload = buffer.readSlice(length: Int(length))!
        return Frame(version: version, type: MessageType(rawValue: type), payload: payload)
    }
}
