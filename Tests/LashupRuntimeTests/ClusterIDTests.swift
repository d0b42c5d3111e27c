import Foundation
@testable import LashupRuntime
import NIOSSL
import Testing

@Suite struct ClusterIDTests {
    @Test func zbase32MatchesTheSpecificationsVectors() {
        #expect(ClusterID.zbase32([0xf0, 0xbf, 0xc7]) == "6n9hq")
        #expect(ClusterID.zbase32([0xd4, 0x7a, 0x04]) == "4t7ye")
        #expect(ClusterID.zbase32([0]) == "yy")
        #expect(ClusterID.zbase32([]) == "")
    }

    @Test func oneCAGivesOneIDAndAnotherCAAnother() throws {
        let root = NSTemporaryDirectory() + "lashup-cluster-id-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try CertificateAuthority.createCA(in: "\(root)/a")
        try CertificateAuthority.createCA(in: "\(root)/b")
        func id(_ directory: String) throws -> String? {
            try ClusterID.of(NIOSSLCertificate.fromPEMFile("\(root)/\(directory)/ca.pem")[0])
        }
        let first = try #require(try id("a"))
        #expect(first.count == 52 && first.allSatisfy { ClusterID.alphabet.contains($0) })
        #expect(try id("a") == first)
        #expect(try id("b") != first)
    }
}
