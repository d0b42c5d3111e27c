import Foundation
import LashupTestSupport
import Testing

let opensslPath = ["/usr/bin/openssl", "/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Certificate renewal without a restart: real agents with a CA of their own; one agent's
/// certificate is replaced and the agent sent SIGHUP. The cluster stays connected, the agent
/// serves the new certificate to new connections (read back with `openssl s_client`), and a
/// certificate from another CA is refused with one line while the current one stays.
@Suite("Certificate reload", .serialized, .onOwnThread, .enabled(if: opensslPath != nil, "needs openssl"))
struct CertificateReloadTests {
    static var openssl: String? { opensslPath }

    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = standardInput
        try process.run()
        try standardInput.fileHandleForWriting.write(contentsOf: Data((input ?? "").utf8))
        try standardInput.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func serial(ofFile path: String) throws -> String {
        try run(openssl!, ["x509", "-noout", "-serial", "-in", path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The serial of the certificate the agent presents to a new connection.
    static func servedSerial(port: Int, home: String) throws -> String {
        let chain = try run(openssl!, ["s_client", "-connect", "127.0.0.1:\(port)", "-cert", "\(home)/certs/r-1.pem", "-key", "\(home)/certs/r-1-key.pem",
                                       "-CAfile", "\(home)/ca/ca.pem"], input: "")
        guard let begin = chain.range(of: "-----BEGIN CERTIFICATE-----"), let end = chain.range(of: "-----END CERTIFICATE-----") else { return "" }
        return try run(openssl!, ["x509", "-noout", "-serial"], input: String(chain[begin.lowerBound..<end.upperBound]) + "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("SIGHUP: the cluster stays connected, new connections get the new certificate; another CA's is refused")
    func reload() throws {
        let home = try makeTemporaryDirectory("certificates")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let certificates = TestCertificates(home: home)
        try certificates.createCA()
        for node in ["r-0", "r-1"] { try certificates.createCertificate(node: node) }
        func tls(_ node: String) -> [String] { certificates.agentFlags(node: node) }
        let first = try AgentProcess(name: "r-0", home: home, dataDirectory: "\(home)/data-0", extra: tls("r-0"))
        defer { first.stopIfRunning() }
        let second = try AgentProcess(name: "r-1", home: home, dataDirectory: "\(home)/data-1", join: [first.gossip], extra: tls("r-1"))
        defer { second.stopIfRunning() }
        #expect(try waitUntil(seconds: 20) { try first.reachableNames() == ["r-0", "r-1"] } != nil)
        let before = try Self.servedSerial(port: first.gossipPort, home: home)
        #expect(before == (try Self.serial(ofFile: "\(home)/certs/r-0.pem")) && !before.isEmpty, "served \(before)")

        // A renewed certificate, moved into place, then SIGHUP.
        try certificates.createCertificate(node: "r-0", out: "renewed")
        let renewed = try Self.serial(ofFile: "\(home)/renewed/r-0.pem")
        #expect(renewed != before)
        for suffix in [".pem", "-key.pem"] {
            _ = rename("\(home)/renewed/r-0\(suffix)", "\(home)/certs/r-0\(suffix)")
        }
        kill(first.process.processIdentifier, SIGHUP)
        #expect(waitUntil(seconds: 20) { first.log.contains("TLS certificate reloaded") } != nil, "\(first.log.suffix(1_500))")
        #expect(first.process.isRunning, "SIGHUP must not end the agent")
        #expect(try Self.servedSerial(port: first.gossipPort, home: home) == renewed, "new connections must get the renewed certificate")
        #expect(try first.reachableNames() == ["r-0", "r-1"] && second.reachableNames() == ["r-0", "r-1"], "the cluster stays connected")

        // Another CA would split the cluster: refused, the current identity stays.
        try certificates.createCA("other-ca")
        _ = rename("\(home)/ca/ca.pem", "\(home)/ca/original-ca.pem")
        try FileManager.default.copyItem(atPath: "\(home)/other-ca/ca.pem", toPath: "\(home)/ca/ca.pem")
        kill(first.process.processIdentifier, SIGHUP)
        #expect(waitUntil(seconds: 20) { first.log.contains("TLS certificate reload refused") && first.log.contains("another cluster's") } != nil,
                "\(first.log.suffix(1_500))")
        try FileManager.default.removeItem(atPath: "\(home)/ca/ca.pem")
        _ = rename("\(home)/ca/original-ca.pem", "\(home)/ca/ca.pem")
        #expect(try Self.servedSerial(port: first.gossipPort, home: home) == renewed, "the refused certificate must not be served")
    }
}
