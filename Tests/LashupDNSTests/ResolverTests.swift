import LashupCRDT
@testable import LashupDNS
import LashupTestSupport
import Testing

@Suite(.onDedicatedThread) struct ResolverTests {
    let plain = resolver()

    @Test func internalAnswerIsAuthoritativeWithTheSpecTTLAndTheCaseAsked() throws {
        let response = try #require(respond(plain, query("WeB.DCOS.thisdcos.directory")))
        #expect(response.header.isResponse && response.header.authoritative && response.header.recursionAvailable)
        #expect(response.header.id == 0x1234)
        #expect(response.responseCode == .noError)
        #expect(response.questions[0].name.wire == name("WeB.DCOS.thisdcos.directory").wire)
        #expect(Set(response.answerAddresses) == ["10.0.0.5", "10.0.0.6", "10.0.0.7"])
        #expect(response.answers.allSatisfy { $0.ttl == 5 && $0.name.wire == name("WeB.DCOS.thisdcos.directory").wire })
    }

    @Test func roundRobinRotatesByQueryIDAndNoneKeepsOneOrder() throws {
        var firsts: Set<String> = []
        for id in UInt16(0)..<3 {
            let response = try #require(respond(plain, query("web.dcos.thisdcos.directory", id: id)))
            firsts.insert(response.answerAddresses[0])
            #expect(Set(response.answerAddresses).count == 3)
        }
        #expect(firsts.count == 3)
        let fixed = resolver(order: .none)
        let orders = try (0..<5).map { try #require(respond(fixed, query("web.dcos.thisdcos.directory", id: UInt16($0)))).answerAddresses }
        #expect(Set(orders.map { $0.joined(separator: ",") }).count == 1)
    }

    @Test func randomOrderIsReplayedBySeed() throws {
        let shuffled = resolver(order: .random)
        let orders = try (1...20).map { seed in try #require(respond(shuffled, query("web.dcos.thisdcos.directory"), seed: UInt64(seed))).answerAddresses }
        #expect(Set(orders.map { $0.joined(separator: ",") }).count > 1)
        let again = try (1...20).map { seed in try #require(respond(shuffled, query("web.dcos.thisdcos.directory"), seed: UInt64(seed))).answerAddresses }
        #expect(orders == again)
    }

    @Test func cnameChainsAreFollowedAcrossZonesWithCNAMEsFirstInChainOrder() throws {
        let response = try #require(respond(plain, query("alias2.dcos.thisdcos.directory")))
        #expect(response.answers.prefix(2).map(\.type) == [.cname, .cname])
        #expect(response.answers[0].data == .cname(name("alias.dcos.thisdcos.directory")))
        #expect(response.answers[1].data == .cname(name("web.dcos.thisdcos.directory")))
        #expect(response.answers.dropFirst(2).allSatisfy { $0.type == .a } && response.answers.count == 5)
        let across = try #require(respond(plain, query("ui.marathon.thisdcos.directory")))
        #expect(across.answers.first?.type == .cname && across.answerAddresses.count == 3)
    }

    @Test func cnameLoopsEndAndCNAMEsOutsideOurZonesAreNotFollowed() throws {
        let loop = try #require(respond(plain, query("loop1.dcos.thisdcos.directory")))
        #expect(loop.answers.count <= Resolver.maximumChain + 1 && loop.answers.allSatisfy { $0.type == .cname })
        #expect(loop.responseCode == .serverFailure)
        // Without upstreams (or without RD) the chain ends at the CNAME, for the client to follow.
        let outside = try #require(respond(plain, query("outside.dcos.thisdcos.directory")))
        #expect(outside.answers.map(\.data) == [.cname(name("www.example.com"))])
        #expect(outside.responseCode == .noError)
        // With upstreams and RD, the target is chased through them.
        let chasing = resolver(upstreams: [Upstream(address: IPAddress("192.0.2.1")!)])
        var random = TestRandom(state: 1)
        guard case let .chase(partial, _, zone, target, upstreams) = chasing.handle(query("outside.dcos.thisdcos.directory"), zones: testZones(), random: &random) else {
            Issue.record("the CNAME out of our zones was not chased")
            return
        }
        #expect(partial.answers.map(\.data) == [.cname(name("www.example.com"))] && !partial.header.authoritative)
        #expect(target == name("www.example.com") && zone == name("dcos.thisdcos.directory") && upstreams.count == 1)
        var noRecursion = query("outside.dcos.thisdcos.directory")
        noRecursion.header.recursionDesired = false
        guard case .respond = chasing.handle(noRecursion, zones: testZones(), random: &random) else {
            Issue.record("without RD the CNAME must be answered as is")
            return
        }
    }

    @Test func missingNameIsNXDOMAINWithTheZoneSOA() throws {
        let response = try #require(respond(plain, query("nope.dcos.thisdcos.directory")))
        #expect(response.responseCode == .nameError && response.answers.isEmpty)
        let soa = try #require(response.authorities.first)
        #expect(soa.name == name("dcos.thisdcos.directory") && soa.ttl == 5)
        guard case let .soa(data) = soa.data else { Issue.record("not an SOA"); return }
        #expect(data.primary == name("ns.spartan") && data.serial == 7 && data.refresh == 60 && data.retry == 180 && data.expire == 86_400 && data.minimum == 1)
    }

    @Test func existingNameWithoutTheTypeAndEmptyNonTerminalsAreNODATA() throws {
        for (text, type) in [("web.dcos.thisdcos.directory", RecordType.aaaa), ("_tcp.web.dcos.thisdcos.directory", .a)] {
            let response = try #require(respond(plain, query(text, type)))
            #expect(response.responseCode == .noError && response.answers.isEmpty && response.authorities.first?.type == .soa)
        }
    }

    @Test func apexAnswersNSAndSOA() throws {
        let ns = try #require(respond(plain, query("dcos.thisdcos.directory", .ns)))
        #expect(ns.answers.map(\.data) == [.ns(name("ns.spartan"))] && ns.answers[0].ttl == 3600)
        #expect(ns.additionals.map(\.data) == [.a(IPAddress("198.51.100.1")!)])
        let soa = try #require(respond(plain, query("dcos.thisdcos.directory", .soa)))
        #expect(soa.answers.first?.type == .soa)
    }

    @Test func srvAnswersCarryTheTargetsAddresses() throws {
        let response = try #require(respond(plain, query("_http._tcp.web.dcos.thisdcos.directory", .srv)))
        #expect(response.answers.count == 1)
        #expect(Set(response.additionals.compactMap { if case let .a(address) = $0.data { address.description } else { nil } }) == ["10.0.0.5", "10.0.0.6", "10.0.0.7"])
    }

    @Test func localZones() throws {
        #expect(try #require(respond(plain, query("ready.spartan"))).answerAddresses == ["127.0.0.1"])
        #expect(try #require(respond(plain, query("ns.spartan"))).answerAddresses == ["198.51.100.1"])
        #expect(try #require(respond(plain, query("localhost"))).answerAddresses == ["127.0.0.1"])
        #expect(try #require(respond(plain, query("localhost", .aaaa))).answerAddresses == ["::1"])
        #expect(try #require(respond(plain, query("thisnode.thisdcos.directory"))).answerAddresses == ["10.0.0.1"])
        #expect(try #require(respond(plain, query("public.thisnode.thisdcos.directory"))).answerAddresses == ["203.0.113.9"])
    }

    @Test func unknownInternalZoneIsREFUSED() throws {
        let response = try #require(respond(plain, query("x.nobody.thisdcos.directory")))
        #expect(response.responseCode == .refused && !response.header.authoritative)
    }

    @Test func renamedZonesAnswerWithTheNameAsked() throws {
        for asked in ["app.dclb.thisdcos.directory", "app.dclb.thisdcos.global", "app.l4lb.thisdcos.global"] {
            let response = try #require(respond(plain, query(asked)))
            #expect(response.answerAddresses == ["11.0.0.1"], "\(asked)")
            #expect(response.answers.allSatisfy { $0.name == name(asked) }, "\(asked)")
        }
        let chain = try #require(respond(plain, query("cn.dclb.thisdcos.global")))
        #expect(chain.answers.first?.data == .cname(name("app.dclb.thisdcos.global")))
        let missing = try #require(respond(plain, query("nope.dclb.thisdcos.global")))
        #expect(missing.responseCode == .nameError && missing.authorities.first?.name == name("dclb.thisdcos.global"))
        let global = try #require(respond(plain, query("web.dcos.thisdcos.global")))
        #expect(global.answerAddresses.count == 3)
    }

    @Test func clusterIDNamesAreRenamedOnlyForOurCluster() throws {
        let withID = resolver(clusterID: "ybndrfg8")
        let ours = try #require(respond(withID, query("web.dcos.ybndrfg8.dcos.directory")))
        #expect(ours.answerAddresses.count == 3 && ours.answers.allSatisfy { $0.name == name("web.dcos.ybndrfg8.dcos.directory") })
        var random = TestRandom(state: 1)
        guard case .forward = withID.handle(query("web.dcos.other.dcos.directory"), zones: testZones(), random: &random) else {
            Issue.record("another cluster's name must be forwarded")
            return
        }
    }

    @Test func forwardingTakesTheLongestForwardZone() throws {
        let upstream = Upstream(address: IPAddress("192.0.2.1")!)
        let mesos = Upstream(address: IPAddress("192.0.2.2")!)
        let inner = Upstream(address: IPAddress("192.0.2.3")!)
        let router = resolver(upstreams: [upstream], forwardZones: [
            ForwardZone(zone: name("mesos"), upstreams: [mesos]),
            ForwardZone(zone: name("leader.mesos"), upstreams: [inner]),
        ])
        var random = TestRandom(state: 1)
        for (asked, expected, zone) in [("a.mesos", mesos, "mesos."), ("x.leader.mesos", inner, "leader.mesos."), ("example.com", upstream, ".")] {
            guard case let .forward(_, forwardZone, upstreams) = router.handle(query(asked), zones: testZones(), random: &random) else {
                Issue.record("\(asked) was not forwarded")
                continue
            }
            #expect(upstreams == [expected] && forwardZone.description == zone, "\(asked)")
        }
    }

    @Test func truncationFollowsTheClientsEDNSSizeOrFiveHundredTwelve() throws {
        let many = (0..<100).map { try! ZoneRecord(line: "big.dcos.thisdcos.directory A 10.1.0.\($0)") }
        let zones = testZones(order: many)
        var random = TestRandom(state: 1)
        // Never more than the 1232 we announce, whatever the client offers.
        for (edns, limit) in [(EDNS?.none, 512), (EDNS(payloadSize: 1232), 1232), (EDNS(payloadSize: 100), 512), (EDNS(payloadSize: 4096), 1232)] {
            guard case let .respond(response, _, udpLimit) = plain.handle(query("big.dcos.thisdcos.directory", edns: edns), zones: zones, random: &random) else {
                Issue.record("no response")
                continue
            }
            #expect(udpLimit == limit)
            let bytes = response.encoded(limit: udpLimit)
            let decoded = try Message(decoding: bytes)
            #expect(bytes.count <= limit && decoded.header.truncated && decoded.answers.count < 100)
            #expect((decoded.edns != nil) == (edns != nil))
            let overTCP = try Message(decoding: response.encoded())
            #expect(!overTCP.header.truncated && overTCP.answers.count == 100)
        }
    }

    @Test func badQueriesGetTheRightErrors() throws {
        var random = TestRandom(state: 1)
        func outcome(_ bytes: [UInt8]) -> Message? {
            guard case let .respond(response, _, _) = plain.handle(bytes, zones: testZones(), random: &random) else { return nil }
            return response
        }
        // Garbage after a valid header: FORMERR with the id.
        let formerr = try #require(outcome([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xff]))
        #expect(formerr.responseCode == .formatError && formerr.header.id == 0xabcd && formerr.header.isResponse)
        // Other opcodes: NOTIMP.
        var notify = query("web.dcos.thisdcos.directory")
        notify.header.opcode = 4
        #expect(try #require(outcome(notify.encoded())).responseCode == .notImplemented)
        // Two questions: FORMERR.
        var two = query("web.dcos.thisdcos.directory")
        two.questions.append(two.questions[0])
        #expect(try #require(outcome(two.encoded())).responseCode == .formatError)
        // EDNS version 1: BADVERS, which needs the OPT record.
        let badVersion = try Message(decoding: try #require(outcome(query("web.dcos.thisdcos.directory", edns: EDNS(version: 1)).encoded())).encoded())
        #expect(badVersion.responseCode == .badVersion && badVersion.edns != nil)
        // Responses and runts are not answered.
        var response = query("web.dcos.thisdcos.directory")
        response.header.isResponse = true
        #expect(outcome(response.encoded()) == nil)
        #expect(outcome([1, 2, 3]) == nil)
        // Zone transfers are refused, ours and forwarded names alike.
        #expect(try #require(outcome(query("dcos.thisdcos.directory", .axfr).encoded())).responseCode == .refused)
        #expect(try #require(outcome(query("example.com", .ixfr).encoded())).responseCode == .refused)
    }
}
