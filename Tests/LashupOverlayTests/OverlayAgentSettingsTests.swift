import LashupCluster
import LashupOverlay
import Testing

@Suite("Overlay flags: --overlays and friends, bad values named")
struct OverlayAgentSettingsTests {
    static func settings(_ flags: [String: String]) throws -> OverlayAgentSettings {
        try OverlayAgentSettings(ServiceSettings(flags: flags), development: false)
    }

    @Test("`dcos` alone is the original's overlay; keys override; several overlays")
    func parses() throws {
        let one = try Self.settings(["overlays": "dcos"])
        #expect(one.overlays == [OverlaySettings()])
        let two = try Self.settings(["overlays": "dcos;blue,subnet=10.64.0.0/12,vni=1025,vtep-subnet=44.129.0.0/20,table=43,ipv6=on,mtu=1400"])
        #expect(two.overlays.count == 2)
        let blue = two.overlays[1]
        #expect(blue.name == "blue" && blue.vni == 1025 && blue.device == "vtep1025" && blue.mtu == 1400 && blue.routingTable == 43)
        #expect(blue.subnet.description == "10.64.0.0/12" && blue.subnet6 == OverlaySettings.defaultSubnet6)
        #expect(try Self.settings([:]).overlays.isEmpty, "no overlay unless asked for")
        #expect(one.cniSocket == "/run/lashup/cni.sock")
        #expect(try Self.settings(["overlays": "dcos", "overlay_cni_socket": "none"]).cniSocket == nil)
    }

    @Test("bad values are errors naming the flag and the value", arguments: [
        ["overlays": "dcos,vni=x"], ["overlays": "dcos,colour=red"], ["overlays": "dcos;dcos"], ["overlays": "dcos;b,vni=1024"],
        ["overlays": "dcos;b,vni=9,table=7"], ["overlays": "toolongname"], ["overlays": "dcos", "overlay_dataplane": "maybe"],
        ["overlays": "dcos", "overlay_quiet_ms": "5"], ["overlays": "dcos", "overlay_agent_ip": "host"],
    ])
    func refuses(flags: [String: String]) {
        do {
            _ = try Self.settings(flags)
            Issue.record("accepted \(flags)")
        } catch {
            #expect("\(error)".contains("--overlay"), "\(error)")
        }
    }
}
