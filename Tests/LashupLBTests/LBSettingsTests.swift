import LashupCluster
import LashupLB
import Testing

@Suite("load balancer settings")
struct LBSettingsTests {
    @Test("defaults: auto dataplane, the VIP ranges, 30 s verification, latency-aware weights on, 300 s drains")
    func defaults() throws {
        let settings = try LBSettings(ServiceSettings(), development: false)
        #expect(settings.dataplane == .auto)
        #expect(settings.ranges.map(\.description) == ["11.0.0.0/8", "fd01:c::/64"])
        #expect(settings.verifyInterval == .seconds(30) && settings.drainTimeout == .seconds(300) && settings.latencyWeights
                && settings.probeInterval == .seconds(1))
        let changed = try LBSettings(ServiceSettings(flags: ["lb_latency_weights": "off", "lb_drain_seconds": "5"],
                                                     environment: ["LASHUP_LB_VERIFY_SECONDS": "7"]), development: false)
        #expect(!changed.latencyWeights && changed.drainTimeout == .seconds(5) && changed.verifyInterval == .seconds(7))
    }

    @Test("each bad value is an error naming its flag")
    func badValues() {
        let cases: [(String, String, String)] = [
            ("lb_dataplane", "maybe", "--lb-dataplane \"maybe\""),
            ("vip_ranges", "11.0.0.1/8", "--vip-ranges \"11.0.0.1/8\""),
            ("lb_verify_seconds", "0", "--lb-verify-seconds \"0\""),
            ("lb_latency_weights", "yes", "--lb-latency-weights \"yes\""),
            ("lb_drain_seconds", "-1", "--lb-drain-seconds \"-1\""),
            ("lb_drain_seconds", "1e3", "--lb-drain-seconds \"1e3\""),
            ("lb_probe_ms", "50", "--lb-probe-ms \"50\""),
        ]
        for (setting, value, named) in cases {
            #expect(throws: SettingError.self, "\(setting)=\(value)") { try LBSettings(ServiceSettings(flags: [setting: value]), development: false) }
            do {
                _ = try LBSettings(ServiceSettings(flags: [setting: value]), development: false)
            } catch {
                #expect("\(error)".contains(named), "\(error)")
            }
        }
    }

    @Test("--dev leaves the kernel alone unless the dataplane is asked for; off says so")
    func offReasons() throws {
        #expect(try LBSettings(ServiceSettings(), development: true).dataplaneOffReason?.contains("--dev") == true)
        #expect(try LBSettings(ServiceSettings(flags: ["lb_dataplane": "off"]), development: false).dataplaneOffReason?.contains("--lb-dataplane off") == true)
    }
}
