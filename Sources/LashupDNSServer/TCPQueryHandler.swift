import LashupDNS
import NIOCore

/// Answers queries on one TCP connection (RFC 7766): several queries per connection, answered
/// as each is ready (possibly out of order). Reading pauses while `maximumPending` forwarded
/// queries wait or while the client does not read its answers (back-pressure instead of
/// drops or unbounded buffers); the connection closes after `DNSServer.tcpIdleTimeout`
/// without a query.
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    /// Forwarded queries one connection may have waiting before reading pauses.
    static let maximumPending = 64

    let answering: QueryAnswering
    var pending = 0
    var reading = true

    init(service: DNSService) { answering = QueryAnswering(service: service) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = Array(unwrapInboundIn(data).readableBytesView)
        switch answering.answer(query, tcp: true, on: context.eventLoop) {
        case .none:
            return
        case .cached:
            return  // TCP answers are never taken from the per-loop cache
        case let .now(bytes):
            context.writeAndFlush(wrapOutboundOut(Self.frame(bytes, allocator: context.channel.allocator)), promise: nil)
        case let .later(future):
            pending += 1
            updateReading(context.channel)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let channel = context.channel
            future.whenSuccess { bytes in
                handler.value.pending -= 1
                handler.value.updateReading(channel)
                guard let bytes else { return }
                channel.writeAndFlush(Self.frame(bytes, allocator: channel.allocator), promise: nil)
            }
        }
    }

    /// Reads only while few forwarded queries wait and the client takes its answers.
    func updateReading(_ channel: any Channel) {
        let read = pending < Self.maximumPending && channel.isWritable
        guard read != reading else { return }
        reading = read
        channel.setOption(ChannelOptions.autoRead, value: read).whenComplete { _ in }
        if read { channel.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        updateReading(context.channel)
        context.fireChannelWritabilityChanged()
    }

    static func frame(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: bytes.count + 2)
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
