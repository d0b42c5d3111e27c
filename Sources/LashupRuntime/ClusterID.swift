import Crypto
import NIOSSL

/// The cluster's id: z-base-32 of the SHA-256 of the CA's public key (SubjectPublicKeyInfo),
/// the same on every node of one cluster and different for another CA. DNS answers
/// `*.<zone>.<cluster-id>.dcos.directory` as `<zone>.thisdcos.directory` (dcos-net's names).
public enum ClusterID {
    /// z-base-32's alphabet (the original's).
    static let alphabet = Array("ybndrfg8ejkmcpqxotluwisza345h769")

    /// The id for `ca`, or nil when its public key cannot be read.
    public static func of(_ ca: NIOSSLCertificate) -> String? {
        guard let key = try? ca.extractPublicKey().toSPKIBytes() else { return nil }
        return zbase32(Array(SHA256.hash(data: key)))
    }

    /// z-base-32 of `bytes`, 5 bits per character, most significant first, no padding.
    static func zbase32(_ bytes: [UInt8]) -> String {
        var text = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(alphabet[(buffer >> bits) & 31])
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 { text.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return text
    }
}
