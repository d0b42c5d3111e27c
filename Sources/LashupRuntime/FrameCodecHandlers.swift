import LashupWire
import NIOCore

/// Cuts the inbound byte stream into frames. A stream that is not Lashup, or a frame over the
/// limit, fails the pipeline with the `WireError` before its payload is buffered.
struct FrameStreamDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame
    let decoder: FrameDecoder

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try decoder.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes frames as bytes.
struct FrameStreamEncoder: MessageToByteEncoder {
    typealias OutboundIn = Frame

    func encode(data: Frame, out: inout ByteBuffer) throws {
        data.write(to: &out)
    }
}
