import NIOCore

/// A type with a canonical binary encoding: equal values encode to identical bytes.
public protocol WireEncodable {
    func encode(to writer: inout WireWriter)
}

/// A type decodable from a `WireReader`; decoding never traps.
public protocol WireDecodable {
    init(from reader: inout WireReader) throws(WireError)
}

public typealias WireCodable = WireEncodable & WireDecodable

extension WireEncodable {
    /// The canonical encoding as a fresh buffer.
    public func encodedBuffer() -> ByteBuffer {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.buffer
    }

    /// The canonical encoding as bytes.
    public func encodedBytes() -> [UInt8] {
        Array(encodedBuffer().readableBytesView)
    }
}

extension WireDecodable {
    /// Decodes exactly one value from `buffer`; leftover bytes are an error.
    public init(decoding buffer: ByteBuffer, limits: WireLimits = .default) throws(WireError) {
        var reader = WireReader(buffer: buffer, limits: limits)
        self = try Self(from: &reader)
        try reader.expectEnd(String(describing: Self.self))
    }

    /// Decodes exactly one value from `bytes`; leftover bytes are an error.
    public init(decoding bytes: some Sequence<UInt8>, limits: WireLimits = .default) throws(WireError) {
        try self.init(decoding: ByteBuffer(bytes: bytes), limits: limits)
    }
}
