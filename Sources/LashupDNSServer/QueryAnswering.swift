import LashupDNS
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Forwarded answers waiting to enter one answerer's cache: they arrive on whatever event loop
/// the forwarder ran on, and the answerer (a datagram thread or an event loop) takes them in
/// before its next query.
final class ForwardedInbox: Sendable {
    /// Most answers waiting; beyond, they are not cached (they were already sent).
    static let capacity = 4_096
    let waiting = NIOLockedValueBox<[(query: [UInt8], reply: DNSService.ForwardedReply)]>([])
    let count = Atomic<Int>(0)

    func put(_ query: [UInt8], _ reply: DNSService.ForwardedReply) {
        waiting.withLockedValue { waiting in
            guard waiting.count < Self.capacity else { return }
            waiting.append((query, reply))
            count.store(waiting.count, ordering: .releasing)
        }
    }

    func takeAll() -> [(query: [UInt8], reply: DNSService.ForwardedReply)] {
        guard count.load(ordering: .acquiring) > 0 else { return [] }
        return waiting.withLockedValue { waiting in
            defer { waiting.removeAll(); count.store(0, ordering: .releasing) }
            return waiting
        }
    }
}

/// One answerer's half of answering a query (one per UDP socket thread or TCP connection):
/// the answer cache for our own zones, the zone table last seen, and the choice between an
/// immediate answer and a forwarded one. Confined to one thread; only `inbox` is shared.
final class QueryAnswering {
    /// Most cached encodings of our own answers per event loop.
    static let responseCacheCapacity = 50_000

    let service: DNSService
    var responses = ResponseCache(capacity: QueryAnswering.responseCacheCapacity)
    var zones: ZoneTable
    var random = SystemRandomNumberGenerator()
    let inbox = ForwardedInbox()

    init(service: DNSService) {
        self.service = service
        self.zones = service.zones
        responses.generation = zones.generation
    }

    /// An answer now, a future answer, or nothing.
    enum Reply {
        case now([UInt8])
        /// From this loop's cache: copy into the outgoing buffer and patch it there.
        case cached(CachedAnswer)
        case later(EventLoopFuture<[UInt8]?>)
        case none
    }

    /// Answers `query`. Over UDP, `tcp` is false and the answer is cut to the client's size.
    func answer(_ query: [UInt8], tcp: Bool, on loop: any EventLoop) -> Reply {
        let generation = service.generation
        if generation != responses.generation {
            zones = service.zones
            responses.removeAll()
            responses.generation = zones.generation
        }
        for (waiting, reply) in inbox.takeAll() {
            if let expiry = reply.expiry, responses.store(reply.bytes, for: waiting, rotations: 0, counter: reply.counter, expiry: expiry) {
                service.metrics.answerCacheResets.increment()
            }
        }
        // Our cached encodings are for UDP; over TCP nothing is cut, so encode afresh.
        if !tcp, query.count >= 12, let hit = responses.response(for: query, now: { UInt64(NIODeadline.now().uptimeNanoseconds) }) {
            hit.counter.increment()
            return .cached(hit)
        }
        switch service.resolver.handle(query, zones: zones, random: &random) {
        case .drop:
            service.metrics.droppedNotQuery.increment()
            return .none
        case let .respond(response, zone, udpLimit):
            let bytes = response.encoded(limit: tcp ? Message.maximumLength : udpLimit)
            let counter = service.metrics.queries(zone: zone, code: response.responseCode)
            counter.increment()
            let rotations = response.answers.filter { $0.type != .cname }.count
            // FORMERR answers junk, which is not worth keeping; random order cannot be kept.
            if !tcp, service.resolver.order != .random, response.responseCode != .formatError,
               ResponseCache.admits(query: query, rotations: rotations) {
                if responses.store(bytes, for: query, rotations: rotations, counter: counter) {
                    service.metrics.answerCacheResets.increment()
                }
            }
            return .now(bytes)
        case let .chase(partial, message, zone, target, upstreams):
            let limit = tcp ? Message.maximumLength : Resolver.udpLimit(for: message)
            let now = UInt64(NIODeadline.now().uptimeNanoseconds)
            let service = service
            return .later(Self.onLoop(loop) {
                service.chase(partial, query: message, zone: zone, target: target, upstreams: upstreams, overTCP: tcp, limit: limit, on: loop, now: now)
            })
        case let .forward(message, zone, upstreams):
            let limit = tcp ? Message.maximumLength : Resolver.udpLimit(for: message)
            let now = UInt64(NIODeadline.now().uptimeNanoseconds)
            let service = service
            let forwarded = Self.onLoop(loop) {
                service.forward(message, zone: zone, upstreams: upstreams, overTCP: tcp, limit: limit, on: loop, now: now)
            }
            guard !tcp else { return .later(forwarded.map { $0?.bytes }) }
            // Cacheable answers go to this answerer's cache through its inbox.
            let inbox = inbox
            return .later(forwarded.map { reply in
                guard let reply else { return nil }
                if reply.expiry != nil, ResponseCache.admits(query: query, rotations: 0) { inbox.put(query, reply) }
                return reply.bytes
            })
        }
    }

    /// Runs `body` on `loop`: the forwarder's state lives there, and a datagram thread is not
    /// an event loop.
    static func onLoop<T: Sendable>(_ loop: any EventLoop, _ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        loop.inEventLoop ? body() : loop.flatSubmit(body)
    }
}
