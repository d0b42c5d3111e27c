import LashupCRDT
@testable import LashupDNS
import LashupTestSupport
import Testing

@Suite(.onDedicatedThread) struct AnswerCacheTests {
    let second: UInt64 = 1_000_000_000
    let question = Question(name: name("www.example.com"), type: .a)

    func answer(ttl: UInt32, code: ResponseCode = .noError, records: Int = 1) -> Message {
        var message = Message(header: Header(id: 1, isResponse: true), questions: [question])
        message.answers = (0..<records).map { ResourceRecord(name: question.name, ttl: ttl + UInt32($0), data: .a(IPAddress("192.0.2.\($0 + 1)")!)) }
        message.responseCode = code
        return message
    }

    func negative(soaTTL: UInt32, minimum: UInt32, code: ResponseCode = .nameError) -> Message {
        var message = Message(header: Header(id: 1, isResponse: true), questions: [question])
        message.responseCode = code
        message.authorities = [ResourceRecord(name: name("example.com"), ttl: soaTTL, data: .soa(StartOfAuthority(
            primary: name("ns.example.com"), mailbox: name("h.example.com"), serial: 1, refresh: 1, retry: 1, expire: 1, minimum: minimum)))]
        return message
    }

    @Test func ttlsCountDownAndNothingIsServedPastTheSmallestTTL() throws {
        var cache = AnswerCache(capacity: 10)
        cache.store(answer(ttl: 30, records: 3), for: question, dnssecOK: false, now: 100 * second)
        let freshLookup = cache.lookup(question, dnssecOK: false, now: 100 * second)
        let fresh = try #require(freshLookup)
        #expect(fresh.answers.map(\.ttl) == [30, 30, 30])  // clamped to the smallest TTL of the set
        let laterLookup = cache.lookup(question, dnssecOK: false, now: 112 * second + 500_000_000)
        let later = try #require(laterLookup)
        #expect(later.answers.map(\.ttl) == [18, 18, 18])
        #expect(cache.lookup(question, dnssecOK: false, now: 129 * second)?.answers.first?.ttl == 1)
        #expect(cache.lookup(question, dnssecOK: false, now: 130 * second) == nil)
        #expect(cache.count == 0 && cache.hits == 3 && cache.misses == 1)
    }

    @Test func glueWithAShorterTTLBoundsTheEntry() {
        var cache = AnswerCache(capacity: 10)
        var message = answer(ttl: 3600)
        message.additionals = [ResourceRecord(name: name("ns.example.com"), ttl: 60, data: .a(IPAddress("192.0.2.53")!))]
        cache.store(message, for: question, dnssecOK: false, now: 0)
        #expect(cache.lookup(question, dnssecOK: false, now: 59 * second)?.additionals.first?.ttl == 1)
        #expect(cache.lookup(question, dnssecOK: false, now: 60 * second) == nil)
    }

    @Test func caseDoesNotSplitEntriesButTheDOBitDoes() {
        var cache = AnswerCache(capacity: 10)
        cache.store(answer(ttl: 30), for: question, dnssecOK: false, now: 0)
        #expect(cache.lookup(Question(name: name("WWW.Example.COM"), type: .a), dnssecOK: false, now: 0) != nil)
        #expect(cache.lookup(question, dnssecOK: true, now: 0) == nil)
        #expect(cache.lookup(Question(name: question.name, type: .aaaa), dnssecOK: false, now: 0) == nil)
    }

    @Test func negativeAnswersLiveForTheSOANegativeTTL() throws {
        var cache = AnswerCache(capacity: 10)
        cache.store(negative(soaTTL: 300, minimum: 60), for: question, dnssecOK: false, now: 0)
        let hitLookup = cache.lookup(question, dnssecOK: false, now: 59 * second)
        let hit = try #require(hitLookup)
        #expect(hit.code == .nameError && hit.authorities.first?.ttl == 1)
        #expect(cache.lookup(question, dnssecOK: false, now: 60 * second) == nil)
        // NODATA too, bounded by the SOA's own TTL when that is smaller.
        cache.store(negative(soaTTL: 10, minimum: 60, code: .noError), for: question, dnssecOK: false, now: 0)
        #expect(cache.lookup(question, dnssecOK: false, now: 9 * second)?.code == .noError)
        #expect(cache.lookup(question, dnssecOK: false, now: 10 * second) == nil)
    }

    @Test func uncacheableAnswersAreNotStored() {
        var cache = AnswerCache(capacity: 10)
        var noSOA = Message(header: Header(id: 1, isResponse: true), questions: [question])
        noSOA.responseCode = .nameError
        var truncated = answer(ttl: 30)
        truncated.header.truncated = true
        for message in [noSOA, truncated, answer(ttl: 30, code: .serverFailure), answer(ttl: 30, code: .refused), answer(ttl: 0)] {
            cache.store(message, for: question, dnssecOK: false, now: 0)
        }
        #expect(cache.count == 0)
    }

    @Test func fullCacheDropsExpiredEntriesFirstThenTheSoonestToExpire() {
        var cache = AnswerCache(capacity: 4)
        let questions = (0..<6).map { Question(name: name("n\($0).example.com"), type: .a) }
        for (index, question) in questions.prefix(4).enumerated() {
            cache.store(answer(ttl: index == 0 ? 5 : 100), for: question, dnssecOK: false, now: 0)
        }
        cache.store(answer(ttl: 100), for: questions[4], dnssecOK: false, now: 10 * second)  // n0 has expired
        #expect(cache.count == 4 && cache.evictions == 0)
        cache.store(answer(ttl: 100), for: questions[5], dnssecOK: false, now: 10 * second)  // nothing expired: one goes
        #expect(cache.count == 4 && cache.evictions == 1)
        #expect(cache.lookup(questions[5], dnssecOK: false, now: 10 * second) != nil)
    }
}

@Suite struct UpstreamHealthTests {
    let upstreams = (1...4).map { Upstream(address: IPAddress("192.0.2.\($0)")!) }

    @Test func fewerThanThreeAreAllAsked() {
        var random = TestRandom(state: 1)
        #expect(UpstreamHealth().choose(from: Array(upstreams.prefix(2)), random: &random) == Array(upstreams.prefix(2)))
    }

    @Test func twoOfTheLeastFailingAreAskedAndASuccessClearsTheCount() {
        var health = UpstreamHealth()
        var random = TestRandom(state: 1)
        health.recordFailure(upstreams[0])
        health.recordFailure(upstreams[1])
        for _ in 0..<20 {
            let chosen = health.choose(from: upstreams, random: &random)
            #expect(Set(chosen) == [upstreams[2], upstreams[3]])
        }
        health.recordFailure(upstreams[2])
        health.recordFailure(upstreams[2])
        for _ in 0..<20 {
            let chosen = health.choose(from: upstreams, random: &random)
            #expect(chosen.count == 2 && chosen[0] == upstreams[3] && [upstreams[0], upstreams[1]].contains(chosen[1]))
        }
        health.recordSuccess(upstreams[2])
        #expect(health.failures[upstreams[2]] == nil)
    }
}

@Suite struct ZoneRecordTests {
    @Test func linesRoundTripInLowerCase() throws {
        for line in ["web.dcos.thisdcos.directory A 10.0.0.5", "v6.dcos.thisdcos.directory AAAA fd01:c::1",
                     "a.dcos.thisdcos.directory CNAME web.dcos.thisdcos.directory",
                     "_http._tcp.web.dcos.thisdcos.directory SRV 0 1 80 web.dcos.thisdcos.directory",
                     "t.dcos.thisdcos.directory TXT hello world"] {
            #expect(try ZoneRecord(line: line).description == line)
        }
        #expect(try ZoneRecord(line: "WEB.dcos.thisdcos.directory. a 10.0.0.5").description == "web.dcos.thisdcos.directory A 10.0.0.5")
    }

    @Test func badLinesNameTheProblem() {
        let cases = [
            ("web A", "expected NAME TYPE DATA"), ("web.x A 10.0.0.300", "not an IPv4"), ("web.x AAAA 10.0.0.1", "not an IPv6"),
            ("web.x SRV 1 2 80", "PRIORITY WEIGHT PORT TARGET"), ("web.x SRV 1 2 99999 t.x", "0–65535"),
            ("web.x PTR mail.x", "not supported"), ("web.x BOGUS 1", "unknown type"), ("a..b A 10.0.0.1", "empty label"),
        ]
        for (line, message) in cases {
            #expect(throws: DNSError.self, "\(line)") { try ZoneRecord(line: line) }
            do { _ = try ZoneRecord(line: line) } catch { #expect("\(error)".contains(message), "\(line): \(error)") }
        }
    }

    @Test func zonesKeepOneCNAMEAndNothingBesideIt() {
        let zone = Zone(apex: name("z.thisdcos.directory"), records: [
            try! ZoneRecord(line: "x.z.thisdcos.directory CNAME b.z.thisdcos.directory"),
            try! ZoneRecord(line: "x.z.thisdcos.directory CNAME a.z.thisdcos.directory"),
            try! ZoneRecord(line: "x.z.thisdcos.directory A 10.0.0.1"),
            try! ZoneRecord(line: "y.other.thisdcos.directory A 10.0.0.2"),
        ], serial: 1)
        #expect(zone.lookup(name("x.z.thisdcos.directory"), type: .a) == .alias(name("a.z.thisdcos.directory")))
        #expect(zone.recordCount == 1)
    }
}
