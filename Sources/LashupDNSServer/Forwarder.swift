import LashupCRDT
import LashupDNS
import NIOCore
import NIOPosix

/// Sends queries to upstream resolvers over UDP or TCP, each from a fresh connected socket (a
/// new source port) with a fresh random id, and accepts only a response from that upstream with
/// that id and question. Several upstreams are asked at once; the first usable answer wins.
struct Forwarder: Sendable {
    /// Why an upstream query failed.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Asks every upstream in `upstreams` at once; succeeds with the first answer whose rcode is
    /// NOERROR or NXDOMAIN, or nil when every one failed or the service's overall timeout passed.
    func dispatch(_ query: Message, to upstreams: [Upstream], overTCP: Bool, service: DNSService, on loop: any EventLoop) -> EventLoopFuture<Message?> {
        guard !upstreams.isEmpty else { return loop.makeSucceededFuture(nil) }
        let promise = loop.makePromise(of: Message?.self)
        let state = NIOLoopBoundBox(DispatchState(remaining: upstreams.count), eventLoop: loop)
        // Completed when the race is decided: the other asks stop and close their sockets at
        // once rather than holding them until their own timeout.
        let decided = loop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in decided.succeed(()) }
        let deadline = loop.scheduleTask(in: service.overallTimeout) {
            if !state.value.finished { state.value.finished = true; promise.succeed(nil) }
        }
        for upstream in upstreams {
            let started = NIODeadline.now()
            ask(upstream, query: query, overTCP: overTCP, timeout: service.upstreamTimeout, cancel: decided.futureResult, on: loop).hop(to: loop).whenComplete { result in
                let elapsed = NIODeadline.now() - started
                var usable: Message?
                if case let .success(answer) = result, answer.responseCode == .noError || answer.responseCode == .nameError {
                    usable = answer
                }
                state.value.remaining -= 1
                // An ask stopped because another answered first is no failure of its upstream.
                guard !state.value.finished else {
                    if usable != nil { service.recordOutcome(upstream, success: true, elapsed: elapsed) }
                    return
                }
                service.recordOutcome(upstream, success: usable != nil, elapsed: elapsed)
                if let usable {
                    state.value.finished = true
                    deadline.cancel()
                    promise.succeed(usable)
                } else if state.value.remaining == 0 {
                    state.value.finished = true
                    deadline.cancel()
                    promise.succeed(nil)
                }
            }
        }
        return promise.futureResult
    }

    final class DispatchState {
        var remaining: Int
        var finished = false
        init(remaining: Int) { self.remaining = remaining }
    }

    /// One query to one upstream, failing after `timeout`, or as soon as `cancel` completes.
    func ask(_ upstream: Upstream, query: Message, overTCP: Bool, timeout limit: TimeAmount, cancel: EventLoopFuture<Void>, on loop: any EventLoop) -> EventLoopFuture<Message> {
        var outgoing = query
        outgoing.header.id = UInt16.random(in: .min ... .max)
        outgoing.header.recursionDesired = true
        outgoing.edns = EDNS(dnssecOK: query.edns?.dnssecOK ?? false)
        let bytes = outgoing.encoded()
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: upstream.address.description, port: Int(upstream.port))
        } catch {
            return loop.makeFailedFuture(error)
        }
        let promise = OncePromise<Message>(on: loop)
        let expectation = UpstreamExpectation(id: outgoing.header.id, question: outgoing.questions[0], from: address)
        let timeout = loop.scheduleTask(in: limit) {
            promise.fail(Failure(description: "\(upstream) did not answer within \(limit)"))
        }
        cancel.whenComplete { _ in promise.fail(Failure(description: "another upstream answered first")) }
        let channel: EventLoopFuture<any Channel>
        if overTCP {
            channel = ClientBootstrap(group: loop)
                .connectTimeout(limit)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixedMessageDecoder()))
                        try channel.pipeline.syncOperations.addHandler(UpstreamStreamHandler(expectation: expectation, promise: promise))
                    }
                }
                .connect(to: address)
        } else {
            channel = DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UpstreamDatagramHandler(expectation: expectation, promise: promise))
                    }
                }
                // Connected: the kernel drops datagrams from anyone else, and an ICMP "port
                // unreachable" fails the query at once instead of after the timeout.
                .connect(to: address)
        }
        channel.whenComplete { result in
            switch result {
            case let .failure(error):
                promise.fail(error)
            case let .success(channel):
                var buffer = channel.allocator.buffer(capacity: bytes.count + 2)
                if overTCP {
                    buffer.writeInteger(UInt16(bytes.count))
                    buffer.writeBytes(bytes)
                    channel.writeAndFlush(buffer, promise: nil)
                } else {
                    buffer.writeBytes(bytes)
                    channel.writeAndFlush(buffer, promise: nil)
                }
                promise.futureResult.whenComplete { _ in
                    timeout.cancel()
                    channel.close(promise: nil)
                }
            }
        }
        return promise.futureResult
    }
}

/// What an upstream's answer must match: the id and question sent, from the address asked.
struct UpstreamExpectation: Sendable {
    var id: UInt16
    var question: Question
    var from: SocketAddress

    /// The answer in `bytes` if it is the one expected; anything else (another id, another
    /// question, garbage) is ignored, since it may be a spoof.
    func match(_ bytes: [UInt8]) -> Message? {
        guard let answer = try? Message(decoding: bytes), answer.header.isResponse, answer.header.id == id,
              answer.questions == [question] else { return nil }
        return answer
    }
}

/// Waits on an upstream UDP socket for the one datagram that answers the query sent.
final class UpstreamDatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let expectation: UpstreamExpectation
    let promise: OncePromise<Message>

    init(expectation: UpstreamExpectation, promise: OncePromise<Message>) {
        self.expectation = expectation
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == expectation.from else { return }
        if let answer = expectation.match(Array(envelope.data.readableBytesView)) { promise.succeed(answer) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}

/// Waits on an upstream TCP connection for the answer to the query sent.
final class UpstreamStreamHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let expectation: UpstreamExpectation
    let promise: OncePromise<Message>

    init(expectation: UpstreamExpectation, promise: OncePromise<Message>) {
        self.expectation = expectation
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let answer = expectation.match(Array(unwrapInboundIn(data).readableBytesView)) { promise.succeed(answer) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(Forwarder.Failure(description: "the upstream closed the connection"))
    }
}
