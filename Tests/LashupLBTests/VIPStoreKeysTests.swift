import LashupCRDT
import LashupLB
import LashupStore
import Testing

/// The store layout: keys round-trip, malformed keys and fields are skipped, not trusted.
@Suite("VIP store keys")
struct VIPStoreKeysTests {
    @Test("keys round-trip for address VIPs of both families and for named VIPs", arguments: [
        VIPKey(.tcp, .address(IPAddress("11.1.1.1")!), port: 80),
        VIPKey(.udp, .address(IPAddress("fd01:c::1")!), port: 53),
        VIPKey(.tcp, .name("web.marathon"), port: 443),
    ])
    func roundTrip(vip: VIPKey) throws {
        let key = try VIPStoreKeys.key(vip)
        #expect(VIPStoreKeys.pattern.matches(key))
        #expect(VIPStoreKeys.vip(of: key) == vip)
    }

    @Test("malformed keys are not VIPs", arguments: [
        ["l4lb", "vips", "sctp", "ip", "11.1.1.1", "80"], ["l4lb", "vips", "tcp", "ip", "11.01.1.1", "80"],
        ["l4lb", "vips", "tcp", "ip", "11.1.1.1", "0"], ["l4lb", "vips", "tcp", "ip", "11.1.1.1", "70000"],
        ["l4lb", "vips", "tcp", "host", "web", "80"], ["l4lb", "vips", "tcp", "name", "web"],
    ])
    func malformed(segments: [String]) throws {
        #expect(VIPStoreKeys.vip(of: try Key(segments)) == nil)
    }

    @Test("backends are read from their fields; fields of the wrong shape are skipped")
    func fields() {
        var value = Causal<ORMap>()
        let backend = Backend(agent: "node-1", address: IPAddress("10.0.0.1")!, port: 8080, weight: 3)
        _ = value.apply(VIPStoreKeys.operations(setting: backend, timestamp: 5), by: "node-1")
        _ = value.apply(VIPStoreKeys.operations(claiming: 42, timestamp: 5), by: "node-1")
        _ = value.apply([
            .update(.tuple([.string("node-2"), .string("not an address"), .integer(80)]), .assign(.integer(1), timestamp: 1)),
            .update(.tuple([.string("node-2"), .ipAddress(IPAddress("10.0.0.2")!), .integer(0)]), .assign(.integer(1), timestamp: 1)),
            .update(.tuple([.string("node-2"), .ipAddress(IPAddress("10.0.0.2")!), .integer(80)]), .assign(.string("heavy"), timestamp: 1)),
        ], by: "node-2")
        #expect(VIPStoreKeys.backends(value.store) == [backend])
        #expect(VIPStoreKeys.claims(value.store) == [42])
        #expect(VIPStoreKeys.nextTimestamp(after: value.store, now: 1) == 6)

        _ = value.apply(VIPStoreKeys.operations(setting: Backend(agent: "node-1", address: IPAddress("10.0.0.1")!, port: 8080, weight: 0), timestamp: 6), by: "node-1")
        #expect(VIPStoreKeys.backends(value.store).map(\.weight) == [0], "a weight change is one register write")
        _ = value.apply(VIPStoreKeys.operations(removing: backend.endpoint) + VIPStoreKeys.operationsRemovingClaim(), by: "node-1")
        #expect(VIPStoreKeys.backends(value.store).isEmpty && VIPStoreKeys.claims(value.store).isEmpty)
    }
}
