import Foundation

/// The local development CA behind `lashup agent --dev`: created once under `~/.lashup/dev-ca`,
/// then reused, so every dev agent on the machine trusts every other. Each node's certificate is
/// created on first use too. Creation goes to a temporary directory renamed into place, so
/// agents starting together never see, or write, a half-created CA.
public enum DevelopmentCA {
    public struct Files: Sendable {
        public var ca: String
        public var certificate: String
        public var key: String
    }

    /// The CA's directory under `home` (by default `$HOME`).
    public static func directory(home: String) -> String { "\(home)/.lashup/dev-ca" }

    /// The CA and a certificate for `node`, creating whichever is missing.
    public static func ensure(node: String, home: String) throws(RuntimeError) -> Files {
        let root = directory(home: home)
        let temporary = "\(root).tmp-\(getpid())"
        if !FileManager.default.fileExists(atPath: "\(root)/ca.pem") {
            try? FileManager.default.removeItem(atPath: temporary)
            try CertificateAuthority.createCA(in: temporary, name: "Lashup development CA")
            try moveIntoPlace(temporary, root)
        }
        let nodeDirectory = "\(root)/nodes/\(node)"
        if !FileManager.default.fileExists(atPath: "\(nodeDirectory)/\(node)-key.pem") {
            let staging = "\(root)/nodes/.tmp-\(node)-\(getpid())"
            try? FileManager.default.removeItem(atPath: staging)
            try CertificateAuthority.createNodeCertificate(caDirectory: root, node: node, in: staging)
            try moveIntoPlace(staging, nodeDirectory)
        }
        return Files(ca: "\(root)/ca.pem", certificate: "\(nodeDirectory)/\(node).pem", key: "\(nodeDirectory)/\(node)-key.pem")
    }

    /// Renames `source` to `destination`; when another process got there first, keeps theirs.
    static func moveIntoPlace(_ source: String, _ destination: String) throws(RuntimeError) {
        if rename(source, destination) == 0 { return }
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(atPath: source)
        guard FileManager.default.fileExists(atPath: destination) else {
            throw RuntimeError("cannot move \(source) to \(destination): \(reason)")
        }
    }
}
