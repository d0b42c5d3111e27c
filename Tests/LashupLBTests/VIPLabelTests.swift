import LashupCRDT
import LashupLB
import Testing

/// Label parsing as the original's spec says: split at the last colon, port > 0, names
/// sanitised per dot-piece with the framework appended, bad labels reported with why.
@Suite("VIP labels")
struct VIPLabelTests {
    @Test("address labels, IPv4 and IPv6, with and without brackets")
    func addresses() throws {
        let v4 = try VIPLabel.parse("11.1.1.1:80")
        #expect(v4.target == .address(IPAddress("11.1.1.1")!) && v4.port == 80)
        let v6 = try VIPLabel.parse("fd01:c::5:8080")
        #expect(v6.target == .address(IPAddress("fd01:c::5")!) && v6.port == 8080)
        let bracketed = try VIPLabel.parse("[fd01:c::5]:53")
        #expect(bracketed.target == .address(IPAddress("fd01:c::5")!) && bracketed.port == 53)
    }

    @Test("names are sanitised per piece, slashes dropped, the framework appended")
    func names() throws {
        #expect(try VIPLabel.parse("/web:80", framework: "marathon").target == .name("web.marathon"))
        #expect(try VIPLabel.parse("My_App.Back-End:443", framework: "Marathon").target == .name("my-app.back-end.marathon"))
        #expect(try VIPLabel.parse("/group/web:80").target == .name("groupweb"))
        let key = try VIPLabel.parseWithProtocol("udp://dns:53", framework: "marathon")
        #expect(key == VIPKey(.udp, .name("dns.marathon"), port: 53))
        #expect(key.description == "udp://dns.marathon:53")
    }

    @Test("bad labels name the problem", arguments: [
        ("web", "no port"), ("web:0", "port \"0\""), ("web:65536", "port \"65536\""), ("web:8o", "port \"8o\""),
        ("web:", "port \"\""), ("//:80", "no name left"), ("fd01::zz:80", "neither an IP address nor a name"),
    ])
    func bad(label: String, reason: String) {
        #expect {
            _ = try VIPLabel.parse(label)
        } throws: { error in
            (error as? VIPLabelError)?.description.contains(reason) == true
        }
    }

    @Test("a VIP_PORT label needs tcp:// or udp://")
    func protocols() {
        #expect(throws: VIPLabelError.self) { _ = try VIPLabel.parseWithProtocol("sctp://web:80") }
        #expect(throws: VIPLabelError.self) { _ = try VIPLabel.parseWithProtocol("web:80") }
    }
}
