import Foundation
import NIOSSL
import X509

/// A TLS handshake that failed on a certificate, as an operator reads it. BoringSSL reports
/// only `CERTIFICATE_VERIFY_FAILED` on the side that checked, and an alert on the side whose
/// certificate was refused; neither says which node or what to do. Both sides get one line.
enum TLSHandshakeFailure {
    /// One line naming who refused what and why, or nil when `error` is no certificate failure
    /// (a reset, a timeout, a malformed record: those stay at info).
    /// - Parameter peerCertificate: the certificate the peer presented, when it presented one;
    ///   BoringSSL keeps it even when its verification failed.
    static func describe(_ error: any Error, remote: String, peerCertificate: NIOSSLCertificate?, now: Date) -> String? {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "refused the connection with \(remote): \(verificationFailure(peerCertificate, now: now))"
        }
        if let reason = refusedOwnCertificate(text) {
            return "peer at \(remote) refused this node's certificate: \(reason)"
        }
        return nil
    }

    /// Why the peer's certificate failed verification here.
    static func verificationFailure(_ presented: NIOSSLCertificate?, now: Date) -> String {
        guard let der = try? presented?.toDERBytes(), let certificate = try? Certificate(derEncoded: der) else {
            return "it presented no certificate this cluster's CA signed"
        }
        let name = CertificateAuthority.commonName(ofDER: der).map { "\"\($0)\"" } ?? "(no common name)"
        if certificate.notValidAfter < now {
            return "its certificate for \(name) expired on \(certificate.notValidAfter); that host needs a new one (`lashup tls cert create`, then SIGHUP its agent)"
        }
        if certificate.notValidBefore > now {
            return "its certificate for \(name) is not valid until \(certificate.notValidBefore) (is a clock wrong?)"
        }
        return "its certificate for \(name), issued by \(certificate.issuer), is not signed by this cluster's CA"
    }

    /// Why the peer refused this node's certificate, from the alert it sent; nil for other errors.
    static func refusedOwnCertificate(_ text: String) -> String? {
        if text.contains("ALERT_CERTIFICATE_EXPIRED") {
            return "it has expired; issue a new one (`lashup tls cert create`) and send this agent SIGHUP"
        }
        if text.contains("ALERT_UNKNOWN_CA") || text.contains("ALERT_DECRYPT_ERROR") || text.contains("ALERT_BAD_CERTIFICATE") || text.contains("ALERT_CERTIFICATE_UNKNOWN") {
            return "it does not verify against the peer's CA (is this node's certificate from another cluster's CA, or not yet valid there?)"
        }
        if text.contains("ALERT_CERTIFICATE_REQUIRED") { return "the peer requires a certificate and this node sent none" }
        return nil
    }
}
