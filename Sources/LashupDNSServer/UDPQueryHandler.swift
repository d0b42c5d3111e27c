import LashupDNS
import NIOCore

/// Answers queries arriving on one UDP socket. Answers from our zones are written at once and
/// flushed together when the socket has no more to read (NIO then sends them in one
/// `sendmmsg`); forwarded answers are written when they arrive.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let answering: QueryAnswering
    var pendingFlush = false
    /// The current datagram's bytes, in a buffer reused from one query to the next.
    var query: [UInt8] = []

    init(service: DNSService) { answering = QueryAnswering(service: service) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        query.removeAll(keepingCapacity: true)
        query.append(contentsOf: envelope.data.readableBytesView)
        switch answering.answer(query, tcp: false, on: context.eventLoop) {
        case .none:
            return
        case let .cached(answer):
            var buffer = context.channel.allocator.buffer(capacity: answer.bytes.count)
            buffer.writeBytes(answer.bytes)
            buffer.setInteger(answer.id, at: 0)
            for (offset, ttl) in answer.ttls { buffer.setInteger(ttl, at: offset) }
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
            pendingFlush = true
        case let .now(bytes):
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: bytes))), promise: nil)
            pendingFlush = true
        case let .later(future):
            let channel = context.channel
            let client = envelope.remoteAddress
            future.whenSuccess { bytes in
                guard let bytes else { return }
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket reports ICMP errors for earlier sends; they concern one client, so
        // the socket stays open.
    }
}
