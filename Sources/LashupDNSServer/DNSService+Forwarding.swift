import LashupDNS
import Metrics
import NIOCore

extension DNSService {
    /// A forwarded answer, encoded, with what a per-loop cache needs to serve it again.
    struct ForwardedReply: Sendable {
        var bytes: [UInt8]
        var counter: Counter
        /// Nil when the answer may not be cached (errors, SERVFAIL, no TTL).
        var expiry: ResponseCache.Expiry?
    }

    /// What the cache or an upstream said about one question.
    enum Fetched {
        /// Too many forwarded queries in flight: the query is dropped (counted).
        case busy
        /// Every upstream failed or none answered in time.
        case failed
        case answer(Found)
    }

    struct Found {
        var code: ResponseCode
        var answers: [ResourceRecord]
        var authorities: [ResourceRecord]
        var additionals: [ResourceRecord]
        var truncated: Bool
        /// When the TTLs were as given plus `age`, and when the answer stops being valid
        /// (nil: not to be cached).
        var storedAt: UInt64
        var expiresAt: UInt64?
        var age: UInt32
    }

    /// Forwards `query` (already known to route to `upstreams`), answering from the cache when
    /// it can. The future holds the reply, or nil when the query is dropped.
    func forward(_ query: Message, zone: DomainName, upstreams: [Upstream], overTCP: Bool, limit: Int, on loop: any EventLoop, now: UInt64) -> EventLoopFuture<ForwardedReply?> {
        fetch(query, upstreams: upstreams, overTCP: overTCP, on: loop, now: now).map { [self] fetched -> ForwardedReply? in
            switch fetched {
            case .busy:
                return nil
            case .failed:
                let counter = metrics.queries(zone: zone, code: .serverFailure)
                counter.increment()
                return ForwardedReply(bytes: resolver.reply(to: query, code: .serverFailure, keepQuestion: true).encoded(limit: limit), counter: counter, expiry: nil)
            case let .answer(found):
                var response = resolver.reply(to: query, code: found.code, keepQuestion: true)
                // An upstream answer cut short stays marked so: the client retries over TCP
                // (and a TCP query is forwarded over TCP). AD is not passed on: we do not validate.
                response.header.truncated = found.truncated
                response.answers = found.answers
                response.authorities = found.authorities
                response.additionals = found.additionals
                let counter = metrics.queries(zone: zone, code: found.code)
                counter.increment()
                return reply(response, counter: counter, limit: limit, storedAt: found.storedAt, expiresAt: found.expiresAt, age: found.age)
            }
        }
    }

    /// Completes `partial` (a CNAME chain out of our zones) with the upstreams' answer for
    /// `target`. The result is not kept per loop: our part and theirs expire differently.
    func chase(_ partial: Message, query: Message, zone: DomainName, target: DomainName, upstreams: [Upstream], overTCP: Bool, limit: Int, on loop: any EventLoop, now: UInt64) -> EventLoopFuture<[UInt8]?> {
        var targetQuery = query
        targetQuery.questions[0].name = target
        return fetch(targetQuery, upstreams: upstreams, overTCP: overTCP, on: loop, now: now).map { [self] fetched -> [UInt8]? in
            var response = partial
            switch fetched {
            case .busy:
                return nil
            case .failed:
                response.responseCode = .serverFailure
            case let .answer(found):
                response.responseCode = found.code
                response.header.truncated = found.truncated
                response.answers += found.answers
                response.authorities = found.authorities
                response.additionals += found.additionals
            }
            metrics.queries(zone: zone, code: response.responseCode).increment()
            return response.encoded(limit: limit)
        }
    }

    /// Looks `query`'s question up in the shared cache, else asks the upstreams (and caches
    /// what may be cached).
    func fetch(_ query: Message, upstreams: [Upstream], overTCP: Bool, on loop: any EventLoop, now: UInt64) -> EventLoopFuture<Fetched> {
        let question = query.questions[0]
        let dnssecOK = query.edns?.dnssecOK ?? false
        // CD=1 asks the upstream not to validate: such an answer may be bogus, so it is
        // neither served from nor put in the cache that CD=0 clients rely on.
        let cacheable = !query.header.checkingDisabled
        if cacheable, let cached = cache.withLockedValue({ $0.lookup(question, dnssecOK: dnssecOK, now: now) }) {
            metrics.cacheHits.increment()
            return loop.makeSucceededFuture(.answer(Found(
                code: cached.code, answers: cached.answers, authorities: cached.authorities, additionals: cached.additionals,
                truncated: false, storedAt: cached.storedAt, expiresAt: cached.expiresAt, age: cached.age
            )))
        }
        metrics.cacheMisses.increment()
        guard inFlight.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maximumInFlight else {
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            metrics.droppedBusy.increment()
            return loop.makeSucceededFuture(.busy)
        }
        metrics.forwardedQueries.increment()
        var random = SystemRandomNumberGenerator()
        let chosen = health.withLockedValue { $0.choose(from: upstreams, random: &random) }
        return forwarder.dispatch(query, to: chosen, overTCP: overTCP, service: self, on: loop).map { [self] upstreamAnswer -> Fetched in
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            guard let upstreamAnswer else { return .failed }
            if cacheable {
                let evicted = cache.withLockedValue { cache -> Int in
                    let before = cache.evictions
                    cache.store(upstreamAnswer, for: question, dnssecOK: dnssecOK, now: now)
                    metrics.cacheEntries.record(cache.count)
                    return cache.evictions - before
                }
                if evicted > 0 { metrics.cacheEvictions.increment(by: Int64(evicted)) }
            }
            let lifetime = upstreamAnswer.header.truncated || !cacheable ? nil : AnswerCache.lifetime(of: upstreamAnswer)
            let served = lifetime.map { AnswerCache.clamping(upstreamAnswer, to: $0) } ?? upstreamAnswer
            return .answer(Found(
                code: upstreamAnswer.responseCode, answers: served.answers, authorities: served.authorities, additionals: served.additionals,
                truncated: upstreamAnswer.header.truncated, storedAt: now, expiresAt: lifetime.map { now &+ UInt64($0) * 1_000_000_000 }, age: 0
            ))
        }
    }

    /// Encodes a forwarded answer whose TTLs are `age` seconds below what they were at `storedAt`.
    func reply(_ response: Message, counter: Counter, limit: Int, storedAt: UInt64, expiresAt: UInt64?, age: UInt32) -> ForwardedReply {
        let (bytes, offsets) = response.encodedWithTTLOffsets(limit: limit)
        guard let expiresAt else { return ForwardedReply(bytes: bytes, counter: counter, expiry: nil) }
        let ttls = offsets.map { offset -> UInt32 in
            let served = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
            return served + age
        }
        return ForwardedReply(bytes: bytes, counter: counter, expiry: ResponseCache.Expiry(storedAt: storedAt, expiresAt: expiresAt, ttlOffsets: offsets, baseTTLs: ttls))
    }
}
