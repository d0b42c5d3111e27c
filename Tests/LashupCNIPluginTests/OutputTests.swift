import Foundation
import LashupCNIPlugin
import Testing

/// What the plugin prints: results per version, errors, VERSION; and the host veth's name.
@Suite("CNI output and naming")
struct OutputTests {
    let result = CNIResult(
        interfaces: [
            CNIResult.Interface(name: "lx0123456789ab", mac: "02:00:00:00:00:01", mtu: 1420),
            CNIResult.Interface(name: "eth0", mac: "02:00:00:00:00:02", mtu: 1420, sandbox: "/run/netns/c1"),
        ],
        ips: [
            CNIResult.IPConfiguration(address: "9.0.3.5/24", gateway: "9.0.3.1", interface: 1),
            CNIResult.IPConfiguration(address: "fd01:b::5/64", gateway: "fd01:b::1", interface: 1),
        ],
        routes: [CNIResult.Route(destination: "0.0.0.0/0", gateway: "9.0.3.1"), CNIResult.Route(destination: "::/0", gateway: "fd01:b::1")],
        nameservers: ["198.51.100.1"]
    )

    @Test("1.1.0: interfaces with MTU, sandbox and MAC; IPs by interface index; routes; DNS")
    func current() {
        #expect(result.json(version: CNIVersion(1, 1, 0)) == #"{"cniVersion":"1.1.0","dns":{"nameservers":["198.51.100.1"]},"#
            + #""interfaces":[{"mac":"02:00:00:00:00:01","mtu":1420,"name":"lx0123456789ab"},{"mac":"02:00:00:00:00:02","mtu":1420,"name":"eth0","sandbox":"/run/netns/c1"}],"#
            + #""ips":[{"address":"9.0.3.5/24","gateway":"9.0.3.1","interface":1},{"address":"fd01:b::5/64","gateway":"fd01:b::1","interface":1}],"#
            + #""routes":[{"dst":"0.0.0.0/0","gw":"9.0.3.1"},{"dst":"::/0","gw":"fd01:b::1"}]}"#)
    }

    @Test("1.0.0 has no interface MTU; 0.4.0 and 0.3.x tag IPs with their version")
    func older() throws {
        let v100 = result.json(version: CNIVersion(1, 0, 0))
        #expect(!v100.contains("mtu") && !v100.contains(#""version""#) && v100.contains(#""cniVersion":"1.0.0""#))
        for version in [CNIVersion(0, 4, 0), CNIVersion(0, 3, 1), CNIVersion(0, 3, 0)] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.json(version: version).utf8)) as? [String: Any])
            let ips = try #require(object["ips"] as? [[String: Any]])
            #expect(ips.map { $0["version"] as? String } == ["4", "6"])
            #expect(object["cniVersion"] as? String == version.description)
        }
    }

    @Test("no nameservers: an empty dns object")
    func withoutDNS() {
        var bare = result
        bare.nameservers = []
        #expect(bare.json(version: .current).contains(#""dns":{}"#))
    }

    @Test("VERSION prints the supported versions without reading stdin")
    func version() {
        let outcome = LashupCNI.run(environment: ["CNI_COMMAND": "VERSION"], input: { () throws(CNIPluginError) in
            Issue.record("VERSION read stdin")
            return []
        })
        #expect(outcome == PluginOutcome(output: #"{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}"#, exitCode: 0))
    }

    @Test("errors print the spec's error object in the configuration's version and exit 1")
    func errors() {
        let outcome = LashupCNI.run(environment: ["CNI_COMMAND": "ADD"], input: { () throws(CNIPluginError) in [] })
        #expect(outcome.exitCode == 1)
        #expect(outcome.output.hasPrefix(#"{"cniVersion":"1.1.0","code":4,"msg":"CNI_CONTAINERID is not set"#))

        let bad = LashupCNI.run(environment: ["CNI_COMMAND": "STATUS"], input: { () throws(CNIPluginError) in Array(#"{"cniVersion":"0.4.0","name":7}"#.utf8) })
        #expect(bad == PluginOutcome(output: #"{"cniVersion":"0.4.0","code":7,"msg":"the network configuration is invalid: field name is not a string"}"#, exitCode: 1))
    }

    @Test("host veth names: lx and 12 hex digits, stable across runs, distinct per container and interface")
    func hostVethName() {
        let name = HostVethName.host(containerID: "c0ffee", interfaceName: "eth0")
        #expect(name.hasPrefix("lx") && name.utf8.count == 14 && name.dropFirst(2).allSatisfy(\.isHexDigit))
        // Pinned: a change of hash would orphan every veth made by the previous plugin.
        #expect(name == "lx" + String(HostVethName.fnv1a(Array("c0ffee\u{0}eth0".utf8)) & 0xFFFF_FFFF_FFFF, radix: 16).leftPadded(12))
        #expect(HostVethName.fnv1a([]) == 0xcbf2_9ce4_8422_2325 && HostVethName.fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c, "the FNV-1a test vectors")
        #expect(HostVethName.host(containerID: "c0ffee", interfaceName: "eth1") != name)
        #expect(HostVethName.host(containerID: "c0ffef", interfaceName: "eth0") != name)
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        #expect(HostVethName.host(containerID: "ab", interfaceName: "c") != HostVethName.host(containerID: "a", interfaceName: "bc"))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
