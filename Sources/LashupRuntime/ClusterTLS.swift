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
    /// When the first of the CA and node certificates expires, and which file holds it.
    public let firstExpiry: (file: String, date: Date)

    /// Loads PEM files; every failure names the file and what is wrong with it.
    public init(caFile: String, certificateFile: String, keyFile: String) throws(RuntimeError) {
        let ca = try Self.certificates(caFile, role: "CA certificate")
        clusterID = ca.first.flatMap(ClusterID.of)
        let chain = try Self.certificates(certificateFile, role: "node certificate")
        let expiries = ca.map { (caFile, $0.notValidAfter) } + chain.map { (certificateFile, $0.notValidAfter) }
        let first = expiries.min { $0.1 < $1.1 }!
        firstExpiry = (first.0, Date(timeIntervalSince1970: TimeInterval(first.1)))
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

    /// A warning when a certificate expires within `horizon` of `now` (or already has): after
    /// that, peers refuse this node. Nil while it is far off.
    public func expiryWarning(now: Date = Date(), horizon: TimeInterval = 30 * 86_400) -> String? {
        let left = firstExpiry.date.timeIntervalSince(now)
        guard left < horizon else { return nil }
        if left <= 0 { return "the certificate in \(firstExpiry.file) expired on \(firstExpiry.date): peers refuse this node; issue a new one (`lashup tls cert create`)" }
        return "the certificate in \(firstExpiry.file) expires in \(Int(left / 86_400)) days (\(firstExpiry.date)); issue a new one before then (`lashup tls cert create`)"
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
