import Crypto
import Foundation
import SwiftASN1
import X509

/// Creates the cluster's certificates: one CA, and one certificate per node that the CA signs
/// and whose common name is the node's name. Keys are ECDSA P-256.
public enum CertificateAuthority {
    /// How long a CA is valid.
    public static let caValidity: TimeInterval = 10 * 365 * 24 * 3600
    /// How long a node certificate is valid.
    public static let nodeValidity: TimeInterval = 2 * 365 * 24 * 3600

    /// Writes `directory/ca.pem` and `directory/ca-key.pem` (the key readable by the owner only).
    /// Refuses to overwrite an existing CA.
    public static func createCA(in directory: String, name: String = "Lashup cluster CA") throws(RuntimeError) {
        let certificatePath = "\(directory)/ca.pem", keyPath = "\(directory)/ca-key.pem"
        for path in [certificatePath, keyPath] where FileManager.default.fileExists(atPath: path) {
            throw RuntimeError("\(path) already exists; refusing to overwrite a CA")
        }
        let key = P256.Signing.PrivateKey()
        let now = Date()
        do {
            let subject = try DistinguishedName { CommonName(name) }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(caValidity),
                issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: .init(key)
            )
            try createDirectory(directory)
            try write(certificate.serializeAsPEM().pemString, to: certificatePath, private: false)
            try write(key.pemRepresentation, to: keyPath, private: true)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("could not create a CA in \(directory): \(error)")
        }
    }

    /// Writes `outDirectory/NAME.pem` and `outDirectory/NAME-key.pem`: a certificate for node
    /// `name` signed by the CA in `caDirectory`, usable to accept and to dial connections, and
    /// valid until `validUntil` (default: `nodeValidity` from now). A date in the past makes an
    /// expired certificate, which is how an operator rehearses expiry before it happens.
    public static func createNodeCertificate(caDirectory: String, node name: String, in outDirectory: String, validUntil: Date? = nil) throws(RuntimeError) {
        let caCertificatePath = "\(caDirectory)/ca.pem", caKeyPath = "\(caDirectory)/ca-key.pem"
        let caCertificate: Certificate, caKey: Certificate.PrivateKey
        do {
            caCertificate = try Certificate(pemEncoded: try String(contentsOfFile: caCertificatePath, encoding: .utf8))
        } catch {
            throw RuntimeError("cannot read the CA certificate \(caCertificatePath): \(error)")
        }
        do {
            caKey = try Certificate.PrivateKey(pemEncoded: try String(contentsOfFile: caKeyPath, encoding: .utf8))
        } catch {
            throw RuntimeError("cannot read the CA key \(caKeyPath): \(error)")
        }
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let notValidAfter = validUntil ?? now.addingTimeInterval(nodeValidity)
        // Valid from a little before now (clocks differ), or from a day before an end already past.
        let notValidBefore = min(now.addingTimeInterval(-300), notValidAfter.addingTimeInterval(-86_400))
        do {
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: notValidBefore, notValidAfter: notValidAfter,
                issuer: caCertificate.subject, subject: try DistinguishedName { CommonName(name) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                },
                issuerPrivateKey: caKey
            )
            try createDirectory(outDirectory)
            try write(certificate.serializeAsPEM().pemString, to: "\(outDirectory)/\(name).pem", private: false)
            try write(key.pemRepresentation, to: "\(outDirectory)/\(name)-key.pem", private: true)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("could not create a certificate for \(name): \(error)")
        }
    }

    /// The common name in a DER certificate, if it has one.
    public static func commonName(ofDER bytes: [UInt8]) -> String? {
        guard let certificate = try? Certificate(derEncoded: bytes) else { return nil }
        for relativeName in certificate.subject {
            for attribute in relativeName where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return nil
    }

    static func createDirectory(_ path: String) throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError("cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    static func write(_ text: String, to path: String, private isPrivate: Bool) throws(RuntimeError) {
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: isPrivate ? 0o600 : 0o644]
        )
        guard created else { throw RuntimeError("cannot write \(path)") }
    }
}
