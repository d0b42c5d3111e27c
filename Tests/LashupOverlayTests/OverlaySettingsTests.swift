import LashupCRDT
import LashupNetlink
import LashupOverlay
import Testing

@Suite("Overlay settings: slots to subnets, VTEPs and MACs")
struct OverlaySettingsTests {
    @Test("the original's defaults: 9.0.0.0/8 in /24s, VTEPs in 44.128.0.0/20 (4 094 hosts), 70:b3:d5 MACs, vtep1024")
    func defaults() throws {
        let settings = OverlaySettings()
        try settings.validate()
        #expect(settings.capacity == 4094)
        #expect(settings.device == "vtep1024")
        #expect(settings.bridge == "lashup-dcos")
        #expect(settings.hostSubnet(0).description == "9.0.0.0/24")
        #expect(settings.hostSubnet(257).description == "9.1.1.0/24")
        #expect(settings.gateway(3).description == "9.0.3.1")
        #expect(settings.vtepAddress(0).description == "44.128.0.1")
        #expect(settings.vtepAddress(4093).description == "44.128.15.254")
        #expect(settings.vtepMAC(0).description == "70:b3:d5:80:00:01")
        #expect(settings.vtepMAC(300).description == "70:b3:d5:80:01:2d")
        #expect(settings.slot(holding: IPAddress("9.0.3.77")!) == 3)
        #expect(settings.slot(holding: IPAddress("10.0.3.77")!) == nil)
    }

    @Test("IPv6: the k-th /80 of fd01:b::/64 and the k-th address of fd01:a::/64; capacity is the smallest space")
    func ipv6() throws {
        let settings = OverlaySettings(subnet6: OverlaySettings.defaultSubnet6, vtepSubnet6: OverlaySettings.defaultVTEPSubnet6)
        try settings.validate()
        #expect(settings.hostSubnet6(0)?.description == IPPrefix("fd01:b::/80")?.description)
        #expect(settings.hostSubnet6(2)?.description == IPPrefix("fd01:b:0:0:2::/80")?.description)
        #expect(settings.vtepAddress6(0)?.description == IPAddress("fd01:a::1")?.description)
        #expect(settings.capacity == 4094)
        let small = OverlaySettings(subnet: IPPrefix("9.0.0.0/22")!)
        #expect(small.capacity == 4, "four /24s in a /22")
    }

    @Test("bad settings are refused with the setting named")
    func refusesBadSettings() {
        #expect(throws: OverlaySettingsError.self) { try OverlaySettings(name: "a-very-long-name").validate() }
        #expect(throws: OverlaySettingsError.self) { try OverlaySettings(name: "bad name").validate() }
        #expect(throws: OverlaySettingsError.self) { try OverlaySettings(hostPrefixLength: 8).validate() }
        #expect(throws: OverlaySettingsError.self) { try OverlaySettings(vni: 1 << 24).validate() }
        #expect(throws: OverlaySettingsError.self) { try OverlaySettings(mtu: 100).validate() }
        do {
            try OverlaySettings(name: "a-very-long-name").validate()
        } catch {
            #expect(error.description.contains("a-very-long-name"))
        }
    }
}
