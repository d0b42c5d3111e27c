import Foundation

/// Certificates for agents under test, made with the binary's own `lashup tls` in `home`:
/// CAs in `home/<ca>`, node certificates in `home/certs`.
struct TestCertificates {
    let home: String

    /// Runs `lashup ARGUMENTS` with HOME set; a non-zero exit is a failure quoting stderr.
    func lashup(_ arguments: [String]) throws {
        let result = try LashupBinary.run(arguments, environment: ["HOME": home])
        guard result.status == 0 else { throw TestFailure("lashup \(arguments.joined(separator: " ")): \(result.error)") }
    }

    func createCA(_ name: String = "ca") throws {
        try lashup(["tls", "ca", "create", "--out", "\(home)/\(name)"])
    }

    /// A certificate for `node` signed by CA `ca`, written to `out`; `extra` adds flags (`--valid-until`).
    func createCertificate(node: String, ca: String = "ca", out: String = "certs", extra: [String] = []) throws {
        try lashup(["tls", "cert", "create", "--ca", "\(home)/\(ca)", "--node", node, "--out", "\(home)/\(out)"] + extra)
    }

    /// The agent flags that use `node`'s certificate and CA `ca`.
    func agentFlags(node: String, ca: String = "ca") -> [String] {
        ["--tls-ca", "\(home)/\(ca)/ca.pem", "--tls-cert", "\(home)/certs/\(node).pem", "--tls-key", "\(home)/certs/\(node)-key.pem"]
    }
}
