import ArgumentParser
import Foundation
import LashupRuntime

/// `lashup tls`: the cluster's certificates.
struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Create the cluster CA and node certificates for mutual TLS.",
        subcommands: [CACommand.self, CertCommand.self]
    )

    struct CACommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ca", abstract: "The cluster CA.", subcommands: [Create.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Write DIR/ca.pem and DIR/ca-key.pem (never overwrites).")
            @Option(help: "Directory to write the CA to.") var out: String
            @Option(help: "The CA's common name.") var name = "Lashup cluster CA"

            func run() throws {
                try reportingErrors { () throws(RuntimeError) in
                    try CertificateAuthority.createCA(in: out, name: name)
                    print("wrote \(out)/ca.pem and \(out)/ca-key.pem (keep ca-key.pem secret)")
                }
            }
        }
    }

    struct CertCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cert", abstract: "Node certificates.", subcommands: [Create.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Write DIR2/NAME.pem and DIR2/NAME-key.pem, signed by the CA in DIR.")
            @Option(help: "Directory holding ca.pem and ca-key.pem.") var ca: String
            @Option(help: "The node's name (its agent's --name).") var node: String
            @Option(help: "Directory to write the certificate to.") var out: String
            @Option(help: "Days the certificate is valid (default 730).") var days: Int?
            @Option(help: ArgumentHelp("Last moment the certificate is valid, ISO 8601 (2027-06-30 or 2027-06-30T12:00:00Z); a past date makes an expired certificate, to rehearse expiry.", valueName: "date"))
            var validUntil: String?

            func validate() throws {
                if days != nil, validUntil != nil { throw ValidationError("give --days or --valid-until, not both") }
                if let days, days < 1 { throw ValidationError("--days must be at least 1, got \(days)") }
                if let validUntil, CertificateValidity.parse(validUntil) == nil {
                    throw ValidationError("--valid-until \"\(validUntil)\" is not an ISO 8601 date (2027-06-30) or date-time (2027-06-30T12:00:00Z)")
                }
            }

            func run() throws {
                let end = validUntil.flatMap(CertificateValidity.parse) ?? days.map { Date().addingTimeInterval(Double($0) * 86_400) }
                try reportingErrors { () throws(RuntimeError) in
                    try CertificateAuthority.createNodeCertificate(caDirectory: ca, node: node, in: out, validUntil: end)
                    print("wrote \(out)/\(node).pem and \(out)/\(node)-key.pem")
                }
            }
        }
    }
}

/// Reads the end of a certificate's validity as an operator writes it.
enum CertificateValidity {
    /// A date (`2027-06-30`, the end of that day in UTC) or a date-time (`2027-06-30T12:00:00Z`).
    static func parse(_ text: String) -> Date? {
        if let moment = try? Date.ISO8601FormatStyle().parse(text) { return moment }
        guard let day = try? Date.ISO8601FormatStyle().year().month().day().parse(text) else { return nil }
        return day.addingTimeInterval(86_399)
    }
}

/// Runs `body`, turning a `RuntimeError` into one line on stderr and exit status 1.
func reportingErrors(_ body: () throws(RuntimeError) -> Void) throws {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("lashup: error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}
