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

            func run() throws {
                try reportingErrors { () throws(RuntimeError) in
                    try CertificateAuthority.createNodeCertificate(caDirectory: ca, node: node, in: out)
                    print("wrote \(out)/\(node).pem and \(out)/\(node)-key.pem")
                }
            }
        }
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
