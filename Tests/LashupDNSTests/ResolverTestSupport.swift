import LashupCRDT
@testable import LashupDNS

/// A small deterministic generator (SplitMix64) so `random` ordering can be replayed.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

func name(_ text: String) -> DomainName { try! DomainName(text) }

func query(_ text: String, _ type: RecordType = .a, id: UInt16 = 0x1234, edns: EDNS? = nil) -> Message {
    Message(header: Header(id: id, recursionDesired: true), questions: [Question(name: name(text), type: type)], edns: edns)
}

/// Zones for the resolver tests: `dcos` with web (two A), an alias chain, SRV and an empty
/// non-terminal; `l4lb` with a VIP; `marathon` with a CNAME into `dcos`.
func testZones(order extra: [ZoneRecord] = []) -> ZoneTable {
    func record(_ line: String) -> ZoneRecord { try! ZoneRecord(line: line) }
    let dcos = Zone(apex: name("dcos.thisdcos.directory"), records: [
        record("web.dcos.thisdcos.directory A 10.0.0.5"),
        record("web.dcos.thisdcos.directory A 10.0.0.6"),
        record("web.dcos.thisdcos.directory A 10.0.0.7"),
        record("alias.dcos.thisdcos.directory CNAME web.dcos.thisdcos.directory"),
        record("alias2.dcos.thisdcos.directory CNAME alias.dcos.thisdcos.directory"),
        record("loop1.dcos.thisdcos.directory CNAME loop2.dcos.thisdcos.directory"),
        record("loop2.dcos.thisdcos.directory CNAME loop1.dcos.thisdcos.directory"),
        record("outside.dcos.thisdcos.directory CNAME www.example.com"),
        record("_http._tcp.web.dcos.thisdcos.directory SRV 0 1 80 web.dcos.thisdcos.directory"),
        record("v6.dcos.thisdcos.directory AAAA fd01:c::1"),
    ] + extra, serial: 7)
    let l4lb = Zone(apex: name("l4lb.thisdcos.directory"), records: [
        record("app.l4lb.thisdcos.directory A 11.0.0.1"),
        record("cn.l4lb.thisdcos.directory CNAME app.l4lb.thisdcos.directory"),
    ], serial: 7)
    let marathon = Zone(apex: name("marathon.thisdcos.directory"), records: [
        record("ui.marathon.thisdcos.directory CNAME web.dcos.thisdcos.directory"),
    ], serial: 7)
    let local = ZoneTable.localZones(nameServerAddress: IPAddress("198.51.100.1"), nodeAddress: IPAddress("10.0.0.1"), publicAddresses: [IPAddress("203.0.113.9")!], serial: 7)
    return ZoneTable(zones: local + [dcos, l4lb, marathon], generation: 1)
}

func resolver(order: AnswerOrder = .roundRobin, upstreams: [Upstream] = [], forwardZones: [ForwardZone] = [], clusterID: String? = nil) -> Resolver {
    Resolver(router: QueryRouter(upstreams: upstreams, forwardZones: forwardZones, clusterID: clusterID), order: order)
}

/// Resolves `message` and returns the response (failing the test's expectations if it was forwarded or dropped).
func respond(_ resolver: Resolver, _ message: Message, zones: ZoneTable = testZones(), seed: UInt64 = 1) -> Message? {
    var random = TestRandom(state: seed)
    guard case let .respond(response, _, _) = resolver.handle(message.encoded(), zones: zones, random: &random) else { return nil }
    // Every response must survive the wire.
    return try? Message(decoding: response.encoded())
}

extension Message {
    var answerAddresses: [String] {
        answers.compactMap { record in
            switch record.data {
            case let .a(address), let .aaaa(address): address.description
            default: nil
            }
        }
    }
}
