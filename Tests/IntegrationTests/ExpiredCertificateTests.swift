import Foundation
import LashupTestSupport
import Testing

/// A peer whose certificate has expired is refused at the TLS handshake, and both agents say so
/// in one line that names the certificate and what to do: the one that checked it names the
/// node whose certificate expired, the one refused names its own certificate. A certificate from
/// another CA is refused the same way.
@Suite("Expired certificate", .serialized, .onOwnThread)
struct ExpiredCertificateTests {
    static func yesterday() -> String {
        Date().addingTimeInterval(-86_400).formatted(Date.ISO8601FormatStyle().year().month().day())
    }

    @Test("an expired certificate is refused with one clear line on both sides, and the node stays out")
    func expired() throws {
        let home = try makeTemporaryDirectory("expired-certificate")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let certificates = TestCertificates(home: home)
        try certificates.createCA()
        try certificates.createCA("other-ca")
        try certificates.createCertificate(node: "x-0")
        try certificates.createCertificate(node: "x-1", extra: ["--valid-until", Self.yesterday()])
        try certificates.createCertificate(node: "x-2", ca: "other-ca")
        func tls(_ node: String, ca: String = "ca") -> [String] { certificates.agentFlags(node: node, ca: ca) }
        let valid = try AgentProcess(name: "x-0", home: home, dataDirectory: "\(home)/data-0", extra: tls("x-0"))
        defer { valid.stopIfRunning() }
        let expired = try AgentProcess(name: "x-1", home: home, dataDirectory: "\(home)/data-1", join: [valid.gossip], extra: tls("x-1"))
        defer { expired.stopIfRunning() }

        #expect(waitUntil(seconds: 30) { valid.log.contains("its certificate for \"x-1\" expired on") } != nil, "\(valid.log.suffix(1_500))")
        #expect(waitUntil(seconds: 30) { expired.log.contains("refused this node's certificate: it has expired") } != nil, "\(expired.log.suffix(1_500))")
        #expect(expired.log.contains("the certificate in \(home)/certs/x-1.pem expired"), "the refused agent also warns at start")
        #expect(try valid.reachableNames() == ["x-0"], "a node with an expired certificate must not join")
        #expect(expired.process.isRunning, "the refused agent keeps running and retrying, so a renewed certificate and SIGHUP bring it in")
        // The refused agent redials its contact every 1–4 s; that must not flood either log:
        // one line a minute per peer and cause.
        Thread.sleep(forTimeInterval: 6)
        #expect(valid.log.components(separatedBy: "its certificate for \"x-1\" expired").count - 1 == 1, "\(valid.log.suffix(3_000))")
        #expect(expired.log.components(separatedBy: "refused this node's certificate").count - 1 == 1, "\(expired.log.suffix(3_000))")

        let foreign = try AgentProcess(name: "x-2", home: home, dataDirectory: "\(home)/data-2", join: [valid.gossip], extra: tls("x-2", ca: "other-ca"))
        defer { foreign.stopIfRunning() }
        #expect(waitUntil(seconds: 30) { foreign.log.contains("is not signed by this cluster's CA") } != nil, "\(foreign.log.suffix(1_500))")
        #expect(waitUntil(seconds: 30) { valid.log.contains("refused this node's certificate: it does not verify against the peer's CA") } != nil,
                "\(valid.log.suffix(1_500))")
        #expect(try valid.reachableNames() == ["x-0"])
    }
}
