import LashupCluster
import LashupMembership
import LashupNode
import LashupRuntime
import LashupWire
import Testing

@Suite("Hello and refusal")
struct HandshakeTests {
    let mine = Hello(cluster: "prod", node: "a", incarnation: 7, address: "10.0.0.1:62001")

    @Test("a hello survives encoding")
    func roundTrip() throws {
        let decoded = try Frame(mine).decode(as: Hello.self)
        #expect(decoded == mine)
        let refusal = Refusal(reason: "cluster \"x\" is not ours")
        #expect(try Frame(refusal).decode(as: Refusal.self) == refusal)
    }

    @Test("a peer of another cluster, another protocol version or with our own name is refused, with the reason")
    func refusals() {
        #expect(mine.refusalReason(for: Hello(cluster: "prod", node: "b", incarnation: 1, address: "x:1")) == nil)
        #expect(mine.refusalReason(for: Hello(cluster: "dev", node: "b", incarnation: 1, address: "x:1"))?.contains("cluster \"dev\"") == true)
        #expect(mine.refusalReason(for: Hello(cluster: "prod", node: "b", incarnation: 1, address: "x:1", protocolVersion: 9))?.contains("protocol version 9 is too new") == true)
        // Adjacent versions interoperate; one older than the oldest accepted is refused, naming both.
        let next = Hello.protocolVersion + 1
        #expect(mine.refusalReason(for: Hello(cluster: "prod", node: "b", incarnation: 1, address: "x:1", protocolVersion: next)) == nil)
        let newer = Hello(cluster: "prod", node: "b", incarnation: 1, address: "x:1", protocolVersion: next)
        #expect(newer.refusalReason(for: mine) == nil, "a node one version newer accepts this one")
        let old = Hello(cluster: "prod", node: "b", incarnation: 1, address: "x:1", protocolVersion: Hello.oldestAcceptedVersion - 1)
        #expect(mine.refusalReason(for: old)?.contains("is too old: this node speaks \(Hello.protocolVersion)") == true)
        #expect(mine.refusalReason(for: Hello(cluster: "prod", node: "a", incarnation: 8, address: "x:1"))?.contains("itself") == true)
    }

    @Test("truncated or oversized hellos are errors, never crashes")
    func malformed() {
        let bytes = mine.encodedBytes()
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try Hello(decoding: bytes.prefix(length)) }
        }
        let longCluster = Hello(cluster: String(repeating: "c", count: 300), node: "a", incarnation: 1, address: "x:1")
        #expect(throws: WireError.self) { try Hello(decoding: longCluster.encodedBytes()) }
    }
}

@Suite("HOST:PORT")
struct HostPortTests {
    @Test("addresses parse and print back", arguments: [
        ("10.0.0.1:62001", "10.0.0.1", 62001), ("node-a:1", "node-a", 1), ("[::1]:8080", "::1", 8080), ("[fe80::1]:0", "fe80::1", 0),
    ])
    func valid(text: String, host: String, port: Int) throws {
        let parsed = try #require(HostPort.parse(text))
        #expect(parsed.host == host && parsed.port == port)
        #expect(HostPort.format(host: host, port: port) == text)
    }

    @Test("non-addresses are refused", arguments: ["", "host", ":80", "host:", "host:99999", "host:-1", "::1:80", "[::1]80", "[::1]:x"])
    func invalid(text: String) {
        #expect(HostPort.parse(text) == nil)
    }
}
