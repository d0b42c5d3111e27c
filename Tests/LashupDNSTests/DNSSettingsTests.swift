import Foundation
import LashupCluster
import LashupCRDT
import LashupDNS
import LashupDNSServer
import Testing

@Suite("DNS settings")
struct DNSSettingsTests {
    let noResolvConf = "/nonexistent/resolv.conf"

    @Test("listeners: the mode's default, none, and no wildcard; each bad value names its flag")
    func listeners() throws {
        #expect(try DNSSettings(ServiceSettings(), development: true, resolvConf: noResolvConf).listen.map(\.port) == [8053])
        #expect(try DNSSettings(ServiceSettings(), development: false, resolvConf: noResolvConf).listen.map(\.port) == [53])
        #expect(try DNSSettings(ServiceSettings(flags: ["dns": "none"]), development: true, resolvConf: noResolvConf).listen.isEmpty)
        let two = try DNSSettings(ServiceSettings(file: ["dns": "127.0.0.1:5300, 127.0.0.2:5301"]), development: false, resolvConf: noResolvConf)
        #expect(two.listen.map(\.host) == ["127.0.0.1", "127.0.0.2"] && two.listen.map(\.port) == [5300, 5301])
        #expect { try DNSSettings(ServiceSettings(flags: ["dns": "0.0.0.0:53"]), development: false) } throws: { "\($0)".contains("--dns 0.0.0.0:53") }
        #expect { try DNSSettings(ServiceSettings(flags: ["dns": "ns.example:53"]), development: false) } throws: { "\($0)".contains("--dns \"ns.example:53\"") }
        #expect { try DNSSettings(ServiceSettings(flags: ["dns_order": "sorted"]), development: false) } throws: { "\($0)".contains("--dns-order \"sorted\"") }
        #expect { try DNSSettings(ServiceSettings(flags: ["upstream": "resolver"]), development: false) } throws: { "\($0)".contains("--upstream \"resolver\"") }
        #expect { try DNSSettings(ServiceSettings(flags: ["forward_zone": "corp"]), development: false) } throws: { "\($0)".contains("--forward-zone \"corp\"") }
    }

    @Test("upstreams default to resolv.conf without our own listener; forward zones of one name merge")
    func upstreams() throws {
        let path = NSTemporaryDirectory() + "lashup-resolv-\(UUID().uuidString).conf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("# comment\nnameserver 127.0.0.1\nnameserver 10.0.0.53\nsearch example\n".utf8).write(to: URL(fileURLWithPath: path))
        let settings = try DNSSettings(
            ServiceSettings(flags: ["dns": "127.0.0.1:53", "forward_zone": "corp=10.1.1.1,corp=10.1.1.2:5353,lab=10.2.2.2;10.2.2.3"]),
            development: false, resolvConf: path
        )
        #expect(settings.upstreams.map(\.address) == [IPAddress("10.0.0.53")])
        #expect(settings.forwardZones.count == 2)
        #expect(settings.forwardZones.first { $0.zone == (try? DomainName("corp")) }?.upstreams.count == 2)
        #expect(settings.forwardZones.first { $0.zone == (try? DomainName("lab")) }?.upstreams.count == 2)
        let none = try DNSSettings(ServiceSettings(environment: ["LASHUP_UPSTREAM": "none"]), development: true, resolvConf: path)
        #expect(none.upstreams.isEmpty)
    }
}
