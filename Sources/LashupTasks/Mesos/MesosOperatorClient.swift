import NIOCore
import NIOHTTP1
import NIOPosix

/// A `SUBSCRIBE` stream that started: who served it, and its events as JSON frames.
public struct MesosSubscription: Sendable {
    /// The master that answered 200 (after redirects): the leading master.
    public var endpoint: MesosEndpoint
    /// The events' JSON, in batches: the events that arrived together (one read from the
    /// connection), so a consumer can apply a burst and publish once. Ends with an error when
    /// the connection closes or breaks (never quietly: Mesos does not end a subscription).
    /// Stopping iteration closes the connection.
    public var events: AsyncThrowingStream<[[UInt8]], any Error>
}

/// An HTTP/1.1 client of the Mesos operator API (`POST <endpoint>/api/v1`, JSON).
///
/// One connection per call. `307 Temporary Redirect` (a master that is not the leader) is
/// followed through its `Location` up to `maximumRedirects` hops; any other status than 200
/// is an error carrying the status and the start of the body. Bounded: a `GET_STATE` body over
/// `maximumBodyBytes` and a RecordIO frame over `maximumFrameBytes` are errors, and at most
/// `maximumBufferedBatches` batches of decoded events wait for the consumer.
public struct MesosOperatorClient: Sendable {
    /// The master or agent asked first (redirects may lead elsewhere).
    public var endpoint: MesosEndpoint
    public var connectTimeout: Duration
    /// How long `GET_STATE`'s whole answer, or `SUBSCRIBE`'s response head, may take.
    public var responseTimeout: Duration
    /// 307s followed before giving up (a leader election settles in far fewer).
    public var maximumRedirects = 3
    /// The largest `GET_STATE` body accepted: a big cluster's state is tens of megabytes.
    public var maximumBodyBytes = 64 << 20
    public var maximumFrameBytes = RecordIODecoder.defaultMaximumFrameBytes
    /// Batches of events decoded but not yet consumed; past this the stream ends with
    /// `consumerTooSlow` rather than drop events.
    public var maximumBufferedBatches = 1_024
    let group: any EventLoopGroup

    public init(endpoint: MesosEndpoint, connectTimeout: Duration = .seconds(5), responseTimeout: Duration = .seconds(30),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.group = group
    }

    /// `GET_STATE`: the response's JSON body (`{"type":"GET_STATE","get_state":{…}}`).
    public func getState() async throws(MesosOperatorError) -> [UInt8] {
        let limit = maximumBodyBytes
        do {
            return try await Self.withDeadline(responseTimeout, "GET_STATE from \(endpoint)") {
                try await self.call(#"{"type":"GET_STATE"}"#, accept: "application/json") { served, inbound in
                    var body: [UInt8] = []
                    while let part = try await inbound.next() {
                        switch part {
                        case .head: continue
                        case let .body(buffer):
                            guard body.count + buffer.readableBytes <= limit else {
                                throw MesosOperatorError(.tooLarge, "GET_STATE from \(served): a body over \(limit) bytes")
                            }
                            body += buffer.readableBytesView
                        case .end: return body
                        }
                    }
                    throw MesosOperatorError(.closed, "GET_STATE from \(served): the connection closed before the body ended")
                }
            }
        } catch {
            throw Self.wrap(error, "GET_STATE from \(endpoint)")
        }
    }

    /// `SUBSCRIBE`: returns once the (leading) master answered 200; the events follow.
    public func subscribe() async throws(MesosOperatorError) -> MesosSubscription {
        let (events, sink) = AsyncThrowingStream.makeStream(of: [[UInt8]].self, bufferingPolicy: .bufferingOldest(maximumBufferedBatches))
        let started = group.next().makePromise(of: MesosEndpoint.self)
        let frameLimit = maximumFrameBytes
        let bufferLimit = maximumBufferedBatches
        let task = Task {
            do {
                try await self.call(#"{"type":"SUBSCRIBE"}"#, accept: "application/recordio") { served, inbound in
                    started.succeed(served)
                    var decoder = RecordIODecoder(maximumFrameBytes: frameLimit)
                    while let part = try await inbound.next() {
                        switch part {
                        case .head: continue
                        case let .body(buffer):
                            let frames: [[UInt8]]
                            do throws(RecordIOError) {
                                frames = try decoder.feed(buffer.readableBytesView)
                            } catch {
                                throw MesosOperatorError(.malformedStream(error), "SUBSCRIBE to \(served): \(error)")
                            }
                            // Dropping events silently would leave the table wrong until the next
                            // subscription: end the stream instead, so it resubscribes.
                            if !frames.isEmpty, case .dropped = sink.yield(frames) {
                                throw MesosOperatorError(.consumerTooSlow, "SUBSCRIBE to \(served): more than \(bufferLimit) batches of events waiting for the consumer")
                            }
                        case .end:
                            throw MesosOperatorError(.closed, "SUBSCRIBE to \(served): the master ended the event stream")
                        }
                    }
                    try Task.checkCancellation()
                    let place = decoder.isAtFrameBoundary ? "between events" : "inside an event"
                    throw MesosOperatorError(.closed, "SUBSCRIBE to \(served): the connection closed \(place)")
                }
            } catch {
                let failure = Self.wrap(error, "SUBSCRIBE to \(endpoint)")
                started.fail(failure)
                sink.finish(throwing: failure)
            }
        }
        sink.onTermination = { _ in task.cancel() }
        // The wait for the answer ends by failing the promise (a future's `get` does not
        // respond to cancellation): at the deadline, or when the caller is cancelled.
        let (target, limit) = (endpoint, responseTimeout)
        let deadline = started.futureResult.eventLoop.scheduleTask(in: TimeAmount(limit)) {
            started.fail(MesosOperatorError(.timedOut, "SUBSCRIBE to \(target): no answer within \(limit)"))
        }
        do {
            let served = try await withTaskCancellationHandler {
                try await started.futureResult.get()
            } onCancel: {
                started.fail(CancellationError())
            }
            deadline.cancel()
            return MesosSubscription(endpoint: served, events: events)
        } catch {
            deadline.cancel()
            task.cancel()
            throw Self.wrap(error, "SUBSCRIBE to \(endpoint)")
        }
    }

    typealias Inbound = NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator

    /// Posts `body`, follows redirects, and hands a 200's remaining response to `onSuccess`.
    func call<Result: Sendable>(_ body: String, accept: String,
                                onSuccess: (MesosEndpoint, inout Inbound) async throws -> Result) async throws -> Result {
        var target = endpoint
        var hops = 0
        while true {
            let outcome: Outcome<Result> = try await exchange(target, body: body, accept: accept, onSuccess: onSuccess)
            switch outcome {
            case let .done(result):
                return result
            case let .redirect(location):
                guard let next = location.flatMap(target.resolving) else {
                    throw MesosOperatorError(.redirect, "\(target) answered 307 with no usable Location (\(location ?? "none"))")
                }
                hops += 1
                guard hops <= maximumRedirects else {
                    throw MesosOperatorError(.redirect, "\(endpoint): more than \(maximumRedirects) redirects (last to \(next))")
                }
                target = next
            }
        }
    }

    enum Outcome<Result> {
        case done(Result)
        case redirect(String?)
    }

    func exchange<Result: Sendable>(_ target: MesosEndpoint, body: String, accept: String,
                                    onSuccess: (MesosEndpoint, inout Inbound) async throws -> Result) async throws -> Outcome<Result> {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(connectTimeout))
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw MesosOperatorError(.unreachable, "cannot connect to the Mesos operator API at \(target): \(error)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            let headers = HTTPHeaders([
                ("Host", target.authority), ("Content-Type", "application/json"), ("Accept", accept),
                ("Content-Length", "\(body.utf8.count)"), ("Connection", "close"),
            ])
            // One batch, written in one event-loop turn: a server that answers (and closes) as
            // soon as the body's bytes are in must not find a request part still unwritten.
            try await outbound.write(contentsOf: [
                .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path, headers: headers)),
                .body(.byteBuffer(ByteBuffer(string: body))),
                .end(nil),
            ])
            var iterator = inbound.makeAsyncIterator()
            var head: HTTPResponseHead?
            while head == nil, let part = try await iterator.next() {
                if case let .head(received) = part { head = received }
            }
            guard let head else { throw MesosOperatorError(.closed, "\(target) closed the connection without answering") }
            switch head.status.code {
            case 200:
                return .done(try await onSuccess(target, &iterator))
            case 307:
                return .redirect(head.headers.first(name: "Location"))
            default:
                var start: [UInt8] = []
                while start.count < 512, let part = try? await iterator.next() {
                    if case let .body(buffer) = part { start += buffer.readableBytesView.prefix(512 - start.count) } else if case .end = part { break }
                }
                let text = String(decoding: start, as: UTF8.self).filter { !$0.isNewline }
                throw MesosOperatorError(.status(Int(head.status.code)), "\(target) answered HTTP \(head.status.code) \(head.status.reasonPhrase): \(text)")
            }
        }
    }

    static func wrap(_ error: any Error, _ what: String) -> MesosOperatorError {
        if let error = error as? MesosOperatorError { return error }
        if error is CancellationError { return MesosOperatorError(.closed, "\(what): cancelled") }
        return MesosOperatorError(.unreachable, "\(what): \(error)")
    }

    /// Runs `operation`, or throws `timedOut` once `duration` has passed (cancelling it).
    static func withDeadline<Result: Sendable>(_ duration: Duration, _ what: String,
                                            _ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: duration)
                throw MesosOperatorError(.timedOut, "\(what): no answer within \(duration)")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }
}
