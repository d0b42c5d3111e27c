import Foundation
import LashupTestSupport
import Testing

/// Real `lashup agent` processes on loopback, talking mutual TLS, driven by the real CLI.
@Suite("Agents on loopback", .serialized, .onOwnThread)
struct AgentClusterTests {
    /// Five agents join one cluster; an update replicates to all; a SIGKILLed agent is seen
    /// unreachable and comes back with a higher incarnation and its keys; SIGTERM leaves
    /// gracefully with exit status 0.
    @Test("five agents: one cluster, replication, kill -9 and restart, graceful leave")
    func fiveAgents() throws {
        let home = try makeTemporaryDirectory("cluster")
        var agents: [AgentProcess] = []
        defer { for agent in agents { agent.stopIfRunning() } }
        let first = try AgentProcess(name: "node-0", home: home, dataDirectory: "\(home)/data-0")
        agents.append(first)
        for index in 1..<5 {
            agents.append(try AgentProcess(name: "node-\(index)", home: home, dataDirectory: "\(home)/data-\(index)", join: [first.gossip]))
        }
        let everyone = Set(agents.map(\.name))

        // One cluster: every agent reports all five (itself included) reachable.
        let formed = try waitUntil(seconds: 15) { try agents.allSatisfy { try $0.reachableNames() == everyone } }
        #expect(formed != nil, "cluster did not form; log of node-0:\n\(first.log)")

        // An update on one agent is visible on every other within 1 s of its acknowledgement.
        let update = try agents[1].cli(["kv", "update", "svc/web", "--set", "port=80", "--add", "backends=10.0.0.1", "--incr", "hits=3", "--enable", "up"])
        #expect(update.status == 0, "kv update failed: \(update.error)")
        let replicated = try waitUntil(seconds: 1) {
            try agents.allSatisfy { agent in
                guard let value = try agent.value("svc/web") else { return false }
                return value["port"] as? Int == 80 && value["hits"] as? Int == 3 && value["up"] as? Bool == true
                    && value["backends"] as? [String] == ["10.0.0.1"]
            }
        }
        #expect(replicated != nil, "the update did not reach every agent within 1 s")

        // kill -9: every other agent reports the victim unreachable within 2 s.
        let victim = agents[4]
        let previousIncarnation = victim.incarnation
        victim.kill9()
        let survivors = Array(agents[0..<4])
        let detected = try waitUntil(seconds: 2) { try survivors.allSatisfy { try !$0.reachableNames().contains(victim.name) } }
        #expect(detected != nil, "not every agent saw \(victim.name) unreachable within 2 s")

        // Restarted on the same data directory: a higher incarnation, its keys intact.
        try victim.launch(join: [first.gossip], gossipPort: victim.gossipPort)
        #expect(victim.incarnation > previousIncarnation)
        #expect(try victim.value("svc/web")?["hits"] as? Int == 3, "the restarted agent lost its keys")
        let rejoined = try waitUntil(seconds: 10) {
            try survivors.allSatisfy { agent in
                try agent.members().contains { $0["name"] as? String == victim.name && $0["reachable"] as? Bool == true
                    && ($0["incarnation"] as? UInt64 ?? 0) == victim.incarnation }
            }
        }
        #expect(rejoined != nil, "peers did not see \(victim.name) back with incarnation \(victim.incarnation)")

        // SIGTERM: exit 0 within 2 s, and peers see a graceful leave.
        let leaver = agents[3]
        let (status, seconds) = leaver.terminate()
        #expect(status == 0, "SIGTERM exit status \(status); log:\n\(leaver.log)")
        #expect(seconds < 2, "SIGTERM took \(seconds) s")
        let left = try waitUntil(seconds: 2) {
            try agents[0].members().contains { $0["name"] as? String == leaver.name && $0["leaving"] as? Bool == true && $0["reachable"] as? Bool == false }
        }
        #expect(left != nil, "node-0 did not see \(leaver.name) leave gracefully")
    }

    /// The split indicator on real agents: a contact known only by its `--join` address is
    /// matched to its member by address (no split while it is up); once it dies the agent
    /// that joined through it reports the split once (log line, `members` warning,
    /// `/lashup/split`), and once it is back, the end of the split.
    @Test("an agent cut off from its contact reports the split, and its end")
    func splitReported() throws {
        let home = try makeTemporaryDirectory("split")
        var agents: [AgentProcess] = []
        defer { for agent in agents { agent.stopIfRunning() } }
        let contact = try AgentProcess(name: "contact", home: home, dataDirectory: "\(home)/data-0")
        agents.append(contact)
        let joiner = try AgentProcess(name: "joiner", home: home, dataDirectory: "\(home)/data-1", join: [contact.gossip])
        agents.append(joiner)
        let formed = try waitUntil(seconds: 15) { try joiner.reachableNames() == ["contact", "joiner"] }
        #expect(formed != nil, "the two agents did not form a cluster; log:\n\(joiner.log)")
        func split() throws -> [String: Any] {
            let result = try LashupBinary.run(["members", "--api", joiner.api], environment: joiner.environment)
            let body = try JSONSerialization.jsonObject(with: Data(try fetchSplit(joiner).utf8)) as? [String: Any] ?? [:]
            return body.merging(["members_stderr": result.error]) { first, _ in first }
        }
        let whole = try split()
        #expect(whole["split"] as? Bool == false && (whole["unreachable_contacts"] as? [String])?.isEmpty == true, "\(whole)")
        #expect(!(whole["members_stderr"] as? String ?? "").contains("warning"))

        let contactPort = contact.gossipPort
        contact.kill9()
        let reported = try waitUntil(seconds: 25) { try split()["split"] as? Bool == true }
        #expect(reported != nil, "no split reported after the contact died; log:\n\(joiner.log)")
        let during = try split()
        #expect(during["unreachable_contacts"] as? [String] == ["contact"], "\(during)")
        #expect((during["members_stderr"] as? String ?? "").contains("warning: the overlay is split"), "\(during)")
        #expect(joiner.log.components(separatedBy: "overlay split:").count == 2, "one log line per episode:\n\(joiner.log)")

        try contact.launch(join: [], gossipPort: contactPort)
        let ended = try waitUntil(seconds: 25) { try split()["split"] as? Bool == false }
        #expect(ended != nil, "the split did not end after the contact came back; log:\n\(joiner.log)")
        #expect(joiner.log.contains("overlay whole again"), "\(joiner.log)")
        #expect(try split()["episodes"] as? Int == 1)
    }

    /// An agent whose certificate comes from another CA is refused: it joins nothing and
    /// learns nothing, and the cluster does not learn of it.
    @Test("an agent with a certificate from another CA is refused and learns nothing")
    func foreignCertificateRefused() throws {
        let home = try makeTemporaryDirectory("tls-home")
        let otherHome = try makeTemporaryDirectory("tls-other")
        var agents: [AgentProcess] = []
        defer { for agent in agents { agent.stopIfRunning() } }
        let first = try AgentProcess(name: "trusted-0", home: home, dataDirectory: "\(home)/data-0")
        agents.append(first)
        let second = try AgentProcess(name: "trusted-1", home: home, dataDirectory: "\(home)/data-1", join: [first.gossip])
        agents.append(second)
        #expect(try waitUntil(seconds: 10) { try first.reachableNames() == ["trusted-0", "trusted-1"] } != nil)
        #expect(try second.cli(["kv", "update", "secret/key", "--set", "value=hidden"]).status == 0)

        // Its own dev CA (another HOME), joining through both trusted agents.
        let intruder = try AgentProcess(name: "intruder", home: otherHome, dataDirectory: "\(otherHome)/data", join: [first.gossip, second.gossip])
        agents.append(intruder)
        Thread.sleep(forTimeInterval: 3)
        #expect(try intruder.reachableNames() == ["intruder"])
        let intruderMembers = try intruder.members()
        #expect(intruderMembers.count == 1, "the intruder learned members: \(intruderMembers)")
        #expect(try intruder.value("secret/key") == nil, "the intruder read a replicated key")
        #expect(try !first.members().contains { $0["name"] as? String == "intruder" })
        #expect(try !second.members().contains { $0["name"] as? String == "intruder" })
        // The intruder dials; the trusted agent refuses its certificate, or the intruder refuses
        // the trusted one's (whichever side verifies first): one line names it either way.
        #expect(first.log.contains("refused this node's certificate") || first.log.contains("is not signed by this cluster's CA"),
                "no refusal logged:\n\(first.log)")
        #expect(intruder.log.contains("is not signed by this cluster's CA") || intruder.log.contains("refused this node's certificate"),
                "the intruder was not told:\n\(intruder.log)")
    }

    /// Operator mistakes get one clear line and exit status 1, never a stack trace.
    @Test("bad flags, an unusable data directory and a port in use are one-line errors")
    func clearErrors() throws {
        let home = try makeTemporaryDirectory("errors")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        let typoConfig = "\(home)/typo.json"
        try Data(#"{"dev": true, "nmae": "a"}"#.utf8).write(to: URL(fileURLWithPath: typoConfig))
        let cases: [([String], String)] = [
            (["agent", "--config", typoConfig], "unknown setting \"nmae\""),
            (["agent", "--dev", "--name", "bad name!"], "node names are"),
            (["agent", "--dev", "--bind", "nonsense"], "is not HOST:PORT"),
            (["agent", "--name", "a"], "needs TLS"),
            (["agent", "--name", "a", "--tls-ca", "/nonexistent/ca.pem", "--tls-cert", "/x", "--tls-key", "/y"], "does not exist or is not readable"),
            (["agent", "--dev", "--api", "0.0.0.0:0"], "api-token"),
            (["agent", "--dev", "--log-level", "loud"], "--log-level"),
        ]
        for (arguments, expected) in cases {
            let result = try LashupBinary.run(arguments, environment: environment)
            #expect(result.status == 1, "\(arguments): status \(result.status)")
            #expect(result.error.contains(expected), "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(arguments): more than one line: \(result.error)")
        }

        // A data directory whose database is garbage is refused, and left as it was.
        let corrupt = "\(home)/corrupt"
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        let garbage = Data(repeating: 0x5A, count: 8192)
        try garbage.write(to: URL(fileURLWithPath: "\(corrupt)/lashup.sqlite"))
        let corrupted = try LashupBinary.run(["agent", "--dev", "--name", "c", "--bind", "127.0.0.1:0", "--api", "127.0.0.1:0", "--data-dir", corrupt], environment: environment)
        #expect(corrupted.status == 1)
        #expect(corrupted.error.contains("cannot be used"), "\(corrupted.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(corrupt)/lashup.sqlite")) == garbage)

        // A gossip port in use, and a data directory another agent holds.
        let running = try AgentProcess(name: "holder", home: home, dataDirectory: "\(home)/held")
        defer { running.stopIfRunning() }
        let portInUse = try LashupBinary.run(["agent", "--dev", "--name", "d", "--bind", running.gossip, "--api", "127.0.0.1:0", "--data-dir", "\(home)/d"], environment: environment)
        #expect(portInUse.status == 1)
        #expect(portInUse.error.contains("cannot listen for gossip on \(running.gossip)"), "\(portInUse.error)")
        let held = try LashupBinary.run(["agent", "--dev", "--name", "e", "--bind", "127.0.0.1:0", "--api", "127.0.0.1:0", "--data-dir", "\(home)/held"], environment: environment)
        #expect(held.status == 1)
        #expect(held.error.contains("in use by another lashup agent"), "\(held.error)")
        // A service that cannot bind inside its run: the others stop, and the error names it.
        let apiInUse = try LashupBinary.run(["agent", "--dev", "--name", "f", "--bind", "127.0.0.1:0", "--api", running.api, "--dns", "none", "--data-dir", "\(home)/f"], environment: environment)
        #expect(apiInUse.status == 1)
        let lastLine = apiInUse.error.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("lashup agent: error: the api service failed: the REST API on \(running.api) failed"), "\(apiInUse.error)")

        // Client errors: an operation without an update, and no agent listening.
        #expect(try running.cli(["kv", "update", "a/b"]).error.contains("nothing to do"))
        let unreachable = try LashupBinary.run(["members", "--api", "127.0.0.1:1"], environment: environment)
        #expect(unreachable.status == 1 && unreachable.error.contains("cannot reach the agent's API"), "\(unreachable.error)")
    }

    @Test("an agent whose join contacts fail says so per contact, with the cause, and shows it is joining")
    func unreachableContactsAreReported() throws {
        let home = try makeTemporaryDirectory("contacts")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let agent = try AgentProcess(name: "lonely", home: home, dataDirectory: "\(home)/data", join: ["nosuchhost.invalid:1", "127.0.0.1:1"])
        defer { agent.stopIfRunning() }
        let refused = waitUntil(seconds: 20) { agent.log.contains("join contact 127.0.0.1:1 refused the connection") }
        #expect(refused != nil, "no warning about the refusing contact; log:\n\(agent.log)")
        let unresolved = waitUntil(seconds: 30) { agent.log.contains("join contact nosuchhost.invalid:1 does not resolve") }
        #expect(unresolved != nil, "no warning about the unresolvable contact; log:\n\(agent.log)")
        // Rate-limited: each contact's cause is reported once, not on every retry.
        let count = agent.log.components(separatedBy: "join contact 127.0.0.1:1 refused").count - 1
        #expect(count == 1, "reported \(count) times; log:\n\(agent.log)")
        let members = try agent.cli(["members"])
        #expect(members.output.contains("this node: joining"), "\(members.output)")
    }
}
