import LashupDNS
import Metrics
import NIOCore

/// The per-event-loop half of answering a query, shared by the UDP and TCP handlers: the
/// answer cache for our own zones, the zone table last seen, and the choice between an
/// immediate answer and a forwarded one.
final class QueryAnswering {
    /// Most cached encodings of our own answers per event loop.
    static let responseCacheCapacity = 50_000

    let service: DNSService
    var responses = ResponseCache(capacity: QueryAnswering.responseCacheCapacity)
    var zones: ZoneTable
    var random = SystemRandomNumberGenerator()

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
            return .later(service.chase(partial, query: message, zone: zone, target: target, upstreams: upstreams, overTCP: tcp, limit: limit, on: loop, now: now))
        case let .forward(message, zone, upstreams):
            let limit = tcp ? Message.maximumLength : Resolver.udpLimit(for: message)
            let now = UInt64(NIODeadline.now().uptimeNanoseconds)
            let forwarded = service.forward(message, zone: zone, upstreams: upstreams, overTCP: tcp, limit: limit, on: loop, now: now)
            guard !tcp else { return .later(forwarded.map { $0?.bytes }) }
            // Keep cacheable answers in this loop's cache; the future completes on this loop.
            let answering = NIOLoopBound(self, eventLoop: loop)
            return .later(forwarded.map { reply in
                guard let reply else { return nil }
                if let expiry = reply.expiry, ResponseCache.admits(query: query, rotations: 0),
                   answering.value.responses.store(reply.bytes, for: query, rotations: 0, counter: reply.counter, expiry: expiry) {
                    answering.value.service.metrics.answerCacheResets.increment()
                }
                return reply.bytes
            })
        }
    }
}
