import Foundation
import LashupMembership
import LashupNode
import LashupRuntime
import LashupTestSupport
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Two real transports on loopback with certificates from a CA made for the test.
@Suite("Transport over mutual TLS")
struct TransportTests {
    final class Inbox: Sendable {
        let inputs = Mutex<[ClusterInput]>([])
        func add(_ input: ClusterInput) { inputs.withLock { $0.append(input) } }
        var messages: [(Peer, ClusterMessage)] {
            inputs.withLock { inputs in
                inputs.compactMap { if case let .message(from, message) = $0 { (from, message) } else { nil } }
            }
        }
        var lost: [NodeID] {
            inputs.withLock { inputs in inputs.compactMap { if case let .connectionLost(node) = $0 { node } else { nil } } }
        }
    }

    /// A CA directory and certificates for `nodes`, under a fresh temporary directory.
    static func certificates(_ nodes: [String]) throws -> String {
        let root = NSTemporaryDirectory() + "lashup-transport-\(UUID().uuidString)"
        try CertificateAuthority.createCA(in: "\(root)/ca")
        for node in nodes { try CertificateAuthority.createNodeCertificate(caDirectory: "\(root)/ca", node: node, in: "\(root)/nodes") }
        return root
    }

    static func tls(_ root: String, _ node: String) throws -> ClusterTLS {
        try ClusterTLS(caFile: "\(root)/ca/ca.pem", certificateFile: "\(root)/nodes/\(node).pem", keyFile: "\(root)/nodes/\(node)-key.pem")
    }

    static func transport(_ tls: ClusterTLS, name: String, cluster: String = "test", limits: TransportLimits = TransportLimits()) async throws -> (Transport, Inbox, Peer) {
        let inbox = Inbox()
        let transport = Transport(group: MultiThreadedEventLoopGroup.singleton, tls: tls, limits: limits, logger: Logger(label: "test")) { inbox.add($0) }
        let address = try await transport.listen(host: "127.0.0.1", port: 0)
        let me = Peer(id: NodeID(name), address: "127.0.0.1:\(address.port!)")
        transport.identify(as: Hello(cluster: cluster, node: me.id, incarnation: 1, address: me.address))
        return (transport, inbox, me)
    }

    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        await LashupTestSupport.eventually(within: .seconds(30), polling: .milliseconds(50), condition)
    }

    @Test("messages arrive in order, labelled with the sender's name and advertised address")
    func delivery() async throws {
        let root = try Self.certificates(["a", "b"])
        let (a, _, aPeer) = try await Self.transport(try Self.tls(root, "a"), name: "a")
        let (b, bInbox, bPeer) = try await Self.transport(try Self.tls(root, "b"), name: "b")
        for sequence in 1...50 { a.send(.node(.membership(.ping(sequence: UInt64(sequence)))), to: bPeer) }
        #expect(try await Self.eventually { bInbox.messages.count == 50 })
        let messages = bInbox.messages
        #expect(messages.allSatisfy { $0.0 == aPeer })
        #expect(messages.map(\.1) == (1...50).map { .node(.membership(.ping(sequence: UInt64($0)))) })
        // Dialled by address only (a join contact): re-filed under the name the hello gives.
        a.send(.node(.membership(.ping(sequence: 99))), to: Peer(id: NodeID("join:\(bPeer.address)"), address: bPeer.address))
        #expect(try await Self.eventually { bInbox.messages.count == 51 })
        await a.shutdown()
        await b.shutdown()
    }

    @Test("a peer with a certificate from another CA, or of another cluster, gets nothing through")
    func refusals() async throws {
        let root = try Self.certificates(["a", "b"])
        let other = try Self.certificates(["mallory"])
        let (b, bInbox, bPeer) = try await Self.transport(try Self.tls(root, "b"), name: "b")
        let (mallory, malloryInbox, _) = try await Self.transport(try Self.tls(other, "mallory"), name: "mallory")
        mallory.send(.node(.membership(.join(joiner: Peer("mallory")))), to: bPeer)
        let (stranger, _, _) = try await Self.transport(try Self.tls(root, "a"), name: "a", cluster: "other-cluster")
        stranger.send(.node(.membership(.join(joiner: Peer("a")))), to: bPeer)
        #expect(try await Self.eventually { malloryInbox.lost.count == 1 && b.statistics.handshakesRefused == 1 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(bInbox.messages.isEmpty)
        for transport in [b, mallory, stranger] { await transport.shutdown() }
    }

    @Test("a certificate for one name cannot speak as another node")
    func impersonation() async throws {
        let root = try Self.certificates(["a", "b"])
        let (b, bInbox, bPeer) = try await Self.transport(try Self.tls(root, "b"), name: "b")
        // Holds a's certificate but claims to be "c".
        let (liar, _, _) = try await Self.transport(try Self.tls(root, "a"), name: "c")
        liar.send(.node(.membership(.ping(sequence: 1))), to: bPeer)
        #expect(try await Self.eventually { b.statistics.handshakesRefused == 1 })
        #expect(bInbox.messages.isEmpty)
        await b.shutdown()
        await liar.shutdown()
    }

    @Test("a peer that accepts but never answers holds at most its queue bound; the rest is dropped and counted")
    func boundedQueue() async throws {
        let root = try Self.certificates(["a"])
        // Accepts TCP and never reads: TLS never completes, so frames stay queued.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)
            .bind(host: "127.0.0.1", port: 0).get()
        var limits = TransportLimits()
        limits.maximumQueuedBytesPerPeer = 64 * 1024
        limits.handshakeTimeout = .seconds(30)
        let (a, _, _) = try await Self.transport(try Self.tls(root, "a"), name: "a", limits: limits)
        let target = Peer(id: "silent", address: "127.0.0.1:\(silent.localAddress!.port!)")
        let payload = AntiEntropyMessageFixture.large
        for _ in 0..<100 { a.send(payload, to: target) }
        let statistics = a.statistics
        #expect(statistics.queuedBytes <= limits.maximumQueuedBytesPerPeer)
        #expect(statistics.framesDropped > 0)
        await a.shutdown()
        try await silent.close()
    }
}

enum AntiEntropyMessageFixture {
    /// About 4 KiB on the wire.
    static var large: ClusterMessage { .antiEntropy(.buckets((0..<512).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 })) }
}
