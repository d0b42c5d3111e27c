import NIOCore

/// Identifies what a frame's payload holds. Each protocol module reserves its own range of
/// values (see `MessageType` constants defined next to the messages themselves).
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public var description: String { "message type \(rawValue)" }
}

/// One node-to-node message on the wire.
///
/// Layout (big-endian), 9 header bytes then the payload:
///
///     magic "LS" (0x4C53) : UInt16
///     protocol version    : UInt8
///     message type        : UInt16
///     payload length      : UInt32
///     payload             : `length` bytes
///
/// The header is fixed-size so a reader knows after 9 bytes whether to wait, refuse the
/// peer, or read the payload, and can reject an oversized frame before buffering it.
public struct Frame: Sendable, Equatable {
    /// The first two bytes of every frame.
    public static let magic: UInt16 = 0x4C53
    /// Bytes before the payload.
    public static let headerBytes = 9
    /// The protocol version this build writes.
    public static let currentVersion: UInt8 = 1
    /// The protocol versions this build reads.
    public static let supportedVersions: ClosedRange<UInt8> = 1...1

    public var version: UInt8
    public var type: MessageType
    public var payload: ByteBuffer

    public init(version: UInt8 = Frame.currentVersion, type: MessageType, payload: ByteBuffer) {
        self.version = version
        self.type = type
        self.payload = payload
    }

    /// Wraps a typed message in a frame of the message's type.
    public init<Message: WireMessage>(_ message: Message) {
        self.init(type: Message.messageType, payload: message.encodedBuffer())
    }

    /// Decodes the payload as `Message`, checking the type and that the payload is consumed
    /// exactly.
    public func decode<Message: WireMessage>(as: Message.Type, limits: WireLimits = .default) throws(WireError) -> Message {
        guard type == Message.messageType else {
            throw .invalidValue(
                field: "frame.type",
                reason: "expected \(Message.messageType) (\(Message.self)), got \(type)"
            )
        }
        return try Message(decoding: payload, limits: limits)
    }

    /// Appends the encoded frame to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(Frame.magic, endianness: .big)
        buffer.writeInteger(version)
        buffer.writeInteger(type.rawValue, endianness: .big)
        buffer.writeInteger(UInt32(payload.readableBytes), endianness: .big)
        var copy = payload
        buffer.writeBuffer(&copy)
    }

    /// The encoded frame as a fresh buffer.
    public func encoded() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Frame.headerBytes + payload.readableBytes)
        write(to: &buffer)
        return buffer
    }
}

/// A message that travels in a frame of a fixed type.
public protocol WireMessage: WireCodable {
    static var messageType: MessageType { get }
}
