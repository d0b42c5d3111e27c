import Foundation
import LashupCRDT
import LashupDNS
import LashupDNSServer
import LashupTestSupport
import Logging
import NIOPosix
import Testing

let digPath = ["/usr/bin/dig", "/bin/dig"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs `dig` against an agent's DNS listener; returns its output.
func dig(_ port: Int, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: digPath!)
    process.arguments = ["@127.0.0.1", "-p", "\(port)", "+tries=1", "+timeout=2"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    // Whitespace collapsed per line, so checks need not match dig's column alignment.
    return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }.joined(separator: "\n")
}

/// Every behaviour of the agent's DNS, seen through `dig` over UDP and TCP, on real agents.
@Suite("DNS through dig", .serialized, .onOwnThread, .enabled(if: digPath != nil, "dig is not installed (apt-get install dnsutils; .ci/run does)"))
struct DNSAgentTests {
    @Test("--public-ip is answered for public.thisnode and listed by /v1/nodes on every agent")
    func publicAddresses() throws {
        let home = try makeTemporaryDirectory("dns-public")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let first = try AgentProcess(name: "pub-0", home: home, dataDirectory: "\(home)/data-0", extra: ["--public-ip", "192.0.2.7,2001:db8::7"])
        defer { first.stopIfRunning() }
        let second = try AgentProcess(name: "pub-1", home: home, dataDirectory: "\(home)/data-1", join: [first.gossip])
        defer { second.stopIfRunning() }
        #expect(try dig(first.dnsPort, ["+short", "public.thisnode.thisdcos.directory", "A"]).contains("192.0.2.7"))
        #expect(try dig(first.dnsPort, ["+short", "public.thisnode.thisdcos.directory", "AAAA"]).contains("2001:db8::7"))
        #expect(!(try dig(second.dnsPort, ["+short", "public.thisnode.thisdcos.directory", "A"]).contains("192.0.2.7")), "each agent answers its own")
        let listed = try waitUntil(seconds: 15) {
            let body = try fetch(second, "/v1/nodes")
            let nodes = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]] ?? []
            return nodes.first { $0["name"] as? String == "pub-0" }?["public_ips"] as? [String] == ["192.0.2.7", "2001:db8::7"]
                && nodes.first { $0["name"] as? String == "pub-1" }?["private_ip"] as? String == "127.0.0.1"
        }
        #expect(listed != nil, "/v1/nodes on pub-1: \((try? fetch(second, "/v1/nodes")) ?? "?")")
    }

    @Test("a record added on one agent resolves on every other within 1 s")
    func replication() throws {
        let home = try makeTemporaryDirectory("dns-cluster")
        var agents: [AgentProcess] = []
        defer { for agent in agents { agent.stopIfRunning() } }
        let first = try AgentProcess(name: "dns-0", home: home, dataDirectory: "\(home)/data-0")
        agents.append(first)
        for index in 1..<3 {
            agents.append(try AgentProcess(name: "dns-\(index)", home: home, dataDirectory: "\(home)/data-\(index)", join: [first.gossip]))
        }
        let everyone = Set(agents.map(\.name))
        let formed = try waitUntil(seconds: 15) { try agents.allSatisfy { try $0.reachableNames() == everyone } }
        #expect(formed != nil, "cluster did not form")

        let added = try agents[0].cli(["dns", "add", "api.dcos.thisdcos.directory", "A", "10.4.4.4"])
        #expect(added.status == 0, "dns add failed: \(added.error)")
        let resolved = try waitUntil(seconds: 1) {
            try agents.dropFirst().allSatisfy { try dig($0.dnsPort, ["+short", "api.dcos.thisdcos.directory"]).contains("10.4.4.4") }
        }
        #expect(resolved != nil, "the record did not resolve on every agent within 1 s")

        // Concurrent writers on different agents: neither record is lost.
        let one = try agents[1].cli(["dns", "add", "multi.dcos.thisdcos.directory", "A", "10.5.0.1"])
        let two = try agents[2].cli(["dns", "add", "multi.dcos.thisdcos.directory", "A", "10.5.0.2"])
        #expect(one.status == 0 && two.status == 0)
        let both = try waitUntil(seconds: 5) {
            try agents.allSatisfy { agent in
                let answer = try dig(agent.dnsPort, ["+short", "multi.dcos.thisdcos.directory"])
                return answer.contains("10.5.0.1") && answer.contains("10.5.0.2")
            }
        }
        #expect(both != nil, "concurrent adds on two agents did not both reach every agent")

        // A remove on one agent takes the record away everywhere.
        let removed = try agents[2].cli(["dns", "remove", "api.dcos.thisdcos.directory", "A", "10.4.4.4"])
        #expect(removed.status == 0, "dns remove failed: \(removed.error)")
        let gone = try waitUntil(seconds: 5) {
            try agents.allSatisfy { try dig($0.dnsPort, ["api.dcos.thisdcos.directory"]).contains("status: NXDOMAIN") }
        }
        #expect(gone != nil)
    }

    @Test("answers, errors, renames, truncation and forwarding over UDP and TCP")
    func behaviours() async throws {
        // An upstream answering example.test, in process, for the forwarding checks.
        let upstreamZone = Zone(apex: try DomainName("example.test"), records: [try ZoneRecord(line: "www.example.test A 192.0.2.80")], serial: 1)
        let upstreamService = DNSService(
            resolver: Resolver(router: QueryRouter(upstreams: [], forwardZones: [], clusterID: nil), order: .none),
            localZones: [upstreamZone], logger: Logger(label: "upstream")
        )
        let upstream = try await DNSServer.start(service: upstreamService, addresses: [("127.0.0.1", 0)], group: .singleton)
        let upstreamPort = upstream.addresses[0].port!
        let home = try makeTemporaryDirectory("dns-dig")
        let agent = try AgentProcess(name: "dig-0", home: home, dataDirectory: "\(home)/data",
                                     extra: ["--upstream", "127.0.0.1:9", "--forward-zone", "example.test=127.0.0.1:\(upstreamPort)"])
        defer { agent.stopIfRunning() }
        let port = agent.dnsPort
        for arguments in [
            ["web.dcos.thisdcos.directory", "A", "10.0.0.5"], ["web.dcos.thisdcos.directory", "A", "10.0.0.6"],
            ["alias.marathon.thisdcos.directory", "CNAME", "web.dcos.thisdcos.directory"],
            ["_http._tcp.web.dcos.thisdcos.directory", "SRV", "0", "1", "80", "web.dcos.thisdcos.directory"],
            ["app.l4lb.thisdcos.directory", "A", "11.0.0.7"], ["v6.dcos.thisdcos.directory", "AAAA", "fd01:c::9"],
        ] {
            let result = try agent.cli(["dns", "add"] + arguments)
            #expect(result.status == 0, "dns add \(arguments): \(result.error)")
        }
        for index in 0..<60 { _ = try agent.cli(["dns", "add", "big.dcos.thisdcos.directory", "A", "10.7.0.\(index)"]) }
        let ready = waitUntil(seconds: 5) { (try? dig(port, ["+short", "big.dcos.thisdcos.directory", "+tcp"]))?.split(separator: "\n").count == 60 }
        #expect(ready != nil, "records did not show up")

        for transport in ["+notcp", "+tcp"] {
            func ask(_ arguments: String...) throws -> String { try dig(port, [transport] + arguments) }
            let a = try ask("WeB.dcos.thisdcos.directory")
            #expect(a.contains("status: NOERROR") && a.contains("flags: qr aa rd ra;") && a.contains("WeB.dcos.thisdcos.directory. 5 IN A 10.0.0.5"), "\(transport) A:\n\(a)")
            let chain = try ask("+noall", "+answer", "alias.marathon.thisdcos.directory")
            let lines = chain.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.isEmpty }
            #expect(lines.first?.contains("CNAME") == true && lines.count == 3, "\(transport) CNAME chain:\n\(chain)")
            let srv = try ask("_http._tcp.web.dcos.thisdcos.directory", "SRV")
            #expect(srv.contains("IN SRV 0 1 80 web.dcos.thisdcos.directory.") && srv.contains("ADDITIONAL: 3"), "\(transport) SRV:\n\(srv)")
            let aaaa = try ask("+short", "v6.dcos.thisdcos.directory", "AAAA")
            #expect(aaaa.contains("fd01:c::9"))
            let missing = try ask("nope.dcos.thisdcos.directory")
            #expect(missing.contains("status: NXDOMAIN") && missing.contains("SOA ns.spartan. support.spartan."), "\(transport) NXDOMAIN:\n\(missing)")
            #expect(try ask("x.unknown.thisdcos.directory").contains("status: REFUSED"))
            #expect(try ask("+short", "ready.spartan") == "127.0.0.1\n")
            let renamed = try ask("+noall", "+answer", "app.dclb.thisdcos.global")
            #expect(renamed.contains("app.dclb.thisdcos.global. 5 IN A 11.0.0.7"), "\(transport) rename:\n\(renamed)")
            let forwarded = try ask("www.example.test")
            #expect(forwarded.contains("192.0.2.80") && !forwarded.contains(" aa "), "\(transport) forwarded:\n\(forwarded)")
            let failed = try ask("name.nowhere.invalid")
            #expect(failed.contains("status: SERVFAIL") && failed.contains("flags: qr"), "\(transport) SERVFAIL:\n\(failed)")
        }
        // Truncation: 60 A records fit neither 512 bytes nor no-EDNS; TCP gets them all.
        let classic = try dig(port, ["+noedns", "+ignore", "big.dcos.thisdcos.directory"])
        #expect(classic.contains(" tc ") && !classic.contains("ANSWER: 60"), "no TC without EDNS:\n\(classic)")
        let small = try dig(port, ["+bufsize=512", "+ignore", "big.dcos.thisdcos.directory"])
        #expect(small.contains(" tc ") && small.contains("udp: 1232"), "no TC at 512 with EDNS:\n\(small)")
        let large = try dig(port, ["+bufsize=4096", "big.dcos.thisdcos.directory"])
        #expect(!large.contains(" tc ") && large.contains("ANSWER: 60"), "EDNS 4096 should hold all 60:\n\(large)")
        // Other opcodes and versions.
        #expect(try dig(port, ["+opcode=2", "web.dcos.thisdcos.directory"]).contains("status: NOTIMP"))
        #expect(try dig(port, ["+edns=1", "+noednsnegotiation", "web.dcos.thisdcos.directory"]).contains("status: BADVERS"))

        // The REST views of the same records.
        let records = try agent.cli(["dns", "records", "--json"])
        #expect(records.status == 0 && records.output.contains("\"host\":\"web.dcos.thisdcos.directory:80\""), "\(records.output)")
        await upstream.stop()
    }
}
