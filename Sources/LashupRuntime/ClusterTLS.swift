import Foundation
import NIOSSL

/// The TLS contexts of a node: it presents its own certificate and accepts only peers whose
/// certificate the cluster CA signed, on both the accepting and the dialling side (mutual TLS).
/// Host names are not checked (nodes are dialled by IP address); the node name in the peer's
/// certificate is checked against the name in its hello instead.
public struct ClusterTLS: Sendable {
    public let server: NIOSSLContext
    public let client: NIOSSLContext
    /// The id derived from the CA (see `ClusterID`); nil if its key could not be read.
    public let clusterID: String?

    /// Loads PEM files; every failure names the file and what is wrong with it.
    public init(caFile: String, certificateFile: String, keyFile: String) throws(RuntimeError) {
        let ca = try Self.certificates(caFile, role: "CA certificate")
        clusterID = ca.first.flatMap(ClusterID.of)
        let chain = try Self.certificates(certificateFile, role: "node certificate")
        let key: NIOSSLPrivateKey
        do {
            try Self.mustBeReadable(keyFile, role: "node key")
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("node key \(keyFile) is not a PEM private key (\(error))")
        }
        var server = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key), trustRoots: .certificates(ca)
        )
        server.minimumTLSVersion = .tlsv13
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain.map { .certificate($0) }
        client.privateKey = .privateKey(key)
        client.trustRoots = .certificates(ca)
        client.certificateVerification = .noHostnameVerification
        client.minimumTLSVersion = .tlsv13
        do {
            self.server = try NIOSSLContext(configuration: server)
            self.client = try NIOSSLContext(configuration: client)
        } catch {
            throw RuntimeError("node certificate \(certificateFile) and key \(keyFile) do not form a usable TLS identity (\(error))")
        }
    }

    static func certificates(_ file: String, role: String) throws(RuntimeError) -> [NIOSSLCertificate] {
        try mustBeReadable(file, role: role)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(file)
        } catch {
            throw RuntimeError("\(role) \(file) is not a PEM certificate (\(error))")
        }
        guard !certificates.isEmpty else { throw RuntimeError("\(role) \(file) holds no PEM certificate") }
        return certificates
    }

    static func mustBeReadable(_ file: String, role: String) throws(RuntimeError) {
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw RuntimeError("\(role) \(file) does not exist or is not readable")
        }
    }
}
