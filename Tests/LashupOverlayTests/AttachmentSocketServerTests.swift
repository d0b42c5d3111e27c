import Foundation
import LashupCNIProtocol
import LashupOverlay
import Logging
import NIOPosix
import Testing

/// The agent's CNI socket for real (a unix socket in a temporary directory): a request line
/// is answered with the manager's answer; bad JSON and an overlong line get CNI errors.
@Suite("Attachment socket server")
struct AttachmentSocketServerTests {
    static func exchange(_ path: String, _ bytes: [UInt8]) throws -> AttachmentResponse {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        return try JSONDecoder().decode(AttachmentResponse.self, from: Data(answer))
    }

    @Test("ADD over the socket is the manager's answer; bad JSON is code 6; a line past the bound is refused")
    func answers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lashup-cni-socket-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("cni.sock").path
        let manager = AttachmentManager(store: InMemoryAttachmentStore(), nameservers: [], clock: { 1 })
        await manager.update(.init(settings: OverlaySettings(), settled: OverlayClaim(node: "h", slot: 5, claimedAt: 1, settledAt: 2, agentIP: "10.0.0.1"), mtu: 1450))
        let server = try await AttachmentSocketServer.start(path: path, manager: manager, group: MultiThreadedEventLoopGroup.singleton,
                                                            logger: Logger(label: "test")) { _, _, _ in }
        let request = AttachmentRequest(command: .add, overlay: "dcos", containerID: "c1", interfaceName: "eth0")
        let added = try Self.exchange(path, Array(try JSONEncoder().encode(request)) + [10])
        #expect(added.address == "9.0.5.2/24" && added.error == nil)
        #expect(try Self.exchange(path, Array("{not json\n".utf8)).error?.code == CNIErrorCode.decodingFailure)
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: AttachmentProtocol.maximumMessageBytes + 10)
        #expect(try Self.exchange(path, long).error?.code == CNIErrorCode.decodingFailure)
        await server.stop()
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed at stop")
    }
}
