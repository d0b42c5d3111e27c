import ArgumentParser
import Foundation
import LashupAPI
import LashupCRDT
import LashupLB
import LashupNetlink

/// `lashup bench lb`: programming time of the load balancer's dataplane against the layout
/// kube-proxy's nftables mode used up to 1.35 (a chain per service and per endpoint behind one
/// verdict map), for the same VIPs and backends, each in a fresh network namespace of its own:
/// the full load, then one backend added to one VIP. Needs root; changes nothing outside the
/// namespaces it creates and deletes.
struct LBBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lb",
        abstract: "Measure VIP programming (full load and one change) against kube-proxy's per-service-chain nftables layout (root)."
    )

    @Option(help: "VIP counts to measure, comma-separated.") var vips = "1000,10000"
    @Option(help: "Backends per VIP to measure, comma-separated.") var backends = "1,2,10"
    @Flag(help: "Print one JSON object per case instead of text.") var json = false

    func run() async throws {
        do {
            try await measure()
        } catch {
            FileHandle.standardError.write(Data("lashup bench lb: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func parse(_ text: String, _ flag: String, in range: ClosedRange<Int>) throws -> [Int] {
        let values = text.split(separator: ",").compactMap { Int($0) }
        guard !values.isEmpty, values.allSatisfy(range.contains) else { throw ValidationError("--\(flag) must be numbers in \(range)") }
        return values
    }

    static func services(vips: Int, backends: Int) -> [ServiceKey: [Backend]] {
        var result: [ServiceKey: [Backend]] = [:]
        for vip in 0..<vips {
            let key = ServiceKey(transport: .tcp, address: .v4(0x0B01_0000 + UInt32(vip)), port: 80)
            result[key] = (0..<backends).map { Backend(agent: "node-\($0)", address: .v4(0x0A00_0000 + UInt32(vip * backends + $0) % 0xFF_FFFF), port: 8080) }
        }
        return result
    }

    func measure() async throws {
        let vipCounts = try Self.parse(vips, "vips", in: 1...100_000)
        let backendCounts = try Self.parse(backends, "backends", in: 1...100)
        let clock = ContinuousClock()
        if !json { print("case                     ours full  (+ verify)   ours change   kube-proxy full   kube-proxy change   full ratio  change ratio") }
        for vipCount in vipCounts {
            for backendCount in backendCounts {
                var services = Self.services(vips: vipCount, backends: backendCount)
                let ours = try BenchNamespace("lb-ours")
                let dataplane = try KernelDataplane(ranges: [IPPrefix("11.0.0.0/8")!], namespace: ours.path, localAgent: "node-0")
                // The agent's start: the whole table in one transaction, then a verifying read-back.
                var start = clock.now
                _ = try await dataplane.program(services, verify: false)
                let oursFull = (clock.now - start).seconds
                start = clock.now
                _ = try await dataplane.program(services, verify: true)
                let oursVerify = (clock.now - start).seconds
                let changed = ServiceKey(transport: .tcp, address: .v4(0x0B01_0000 + UInt32(vipCount / 2)), port: 80)
                services[changed, default: []].append(Backend(agent: "node-new", address: IPAddress("10.255.0.1")!, port: 8080))
                start = clock.now
                let change = try await dataplane.program(services, verify: false)
                let oursChange = (clock.now - start).seconds
                guard change.fullWriteReason == nil else { throw BenchError("one change rewrote the table: \(change)") }

                let peer = try BenchNamespace("lb-kube")
                let (script, changeScript) = KubeProxyLayout.scripts(vips: vipCount, backends: backendCount, changed: vipCount / 2)
                let kubeFull = try peer.timedNFT(script)
                let kubeChange = try peer.timedNFT(changeScript)
                let label = "\(vipCount) VIPs × \(backendCount)"
                if json {
                    print(JSONValue.object([
                        "vips": .integer(Int64(vipCount)), "backends": .integer(Int64(backendCount)),
                        "ours_full_seconds": .number(oursFull), "ours_verify_seconds": .number(oursVerify), "ours_change_seconds": .number(oursChange),
                        "kube_proxy_full_seconds": .number(kubeFull), "kube_proxy_change_seconds": .number(kubeChange),
                    ]).text)
                } else {
                    print(label.padding(toLength: 22, withPad: " ", startingAt: 0)
                          + String(format: "%9.3f s  (+%6.2f s)  %10.4f s  %14.3f s  %16.4f s  %10.1f×  %11.1f×", oursFull, oursVerify, oursChange, kubeFull, kubeChange, kubeFull / oursFull, kubeChange / oursChange))
                }
            }
        }
    }
}

/// The same VIPs in the layout of kube-proxy's nftables mode before shared maps: a verdict map
/// from `daddr . proto . dport` to a chain per service, which picks an endpoint chain with
/// `numgen random mod N vmap`, which DNATs.
enum KubeProxyLayout {
    static func address(_ vip: Int) -> String { IPAddress.v4(0x0B01_0000 + UInt32(vip)).description }
    static func backend(_ vip: Int, _ index: Int, of count: Int) -> String { IPAddress.v4(0x0A00_0000 + UInt32(vip * count + index) % 0xFF_FFFF).description }

    static func serviceChain(_ vip: Int, endpoints: [String]) -> [String] {
        var lines = ["add chain ip kube service-\(vip)"]
        for (index, endpoint) in endpoints.enumerated() {
            lines.append("add chain ip kube endpoint-\(vip)-\(index)")
            lines.append("add rule ip kube endpoint-\(vip)-\(index) meta l4proto tcp dnat to \(endpoint):8080")
        }
        let choices = endpoints.indices.map { "\($0) : goto endpoint-\(vip)-\($0)" }.joined(separator: ", ")
        lines.append("add rule ip kube service-\(vip) numgen random mod \(endpoints.count) vmap { \(choices) }")
        return lines
    }

    /// The whole table, and the transaction kube-proxy sends when one service gains an endpoint.
    static func scripts(vips: Int, backends: Int, changed: Int) -> (full: String, change: String) {
        var lines = [
            "add table ip kube",
            "add map ip kube service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }",
            "add chain ip kube services",
            "add chain ip kube nat-prerouting { type nat hook prerouting priority -100 ; }",
            "add rule ip kube nat-prerouting jump services",
            "add rule ip kube services ip daddr . meta l4proto . th dport vmap @service-ips",
        ]
        var elements: [String] = []
        for vip in 0..<vips {
            lines += serviceChain(vip, endpoints: (0..<backends).map { backend(vip, $0, of: backends) })
            elements.append("\(address(vip)) . tcp . 80 : goto service-\(vip)")
        }
        for chunk in stride(from: 0, to: elements.count, by: 1_000) {
            lines.append("add element ip kube service-ips { \(elements[chunk..<min(chunk + 1_000, elements.count)].joined(separator: ", ")) }")
        }
        let endpoints = (0..<backends).map { backend(changed, $0, of: backends) } + ["10.255.0.1"]
        let change = ["flush chain ip kube service-\(changed)"]
            + ["add chain ip kube endpoint-\(changed)-\(backends)", "add rule ip kube endpoint-\(changed)-\(backends) meta l4proto tcp dnat to 10.255.0.1:8080"]
            + ["add rule ip kube service-\(changed) numgen random mod \(endpoints.count) vmap { \(endpoints.indices.map { "\($0) : goto endpoint-\(changed)-\($0)" }.joined(separator: ", ")) }"]
        return (lines.joined(separator: "\n") + "\n", change.joined(separator: "\n") + "\n")
    }
}
