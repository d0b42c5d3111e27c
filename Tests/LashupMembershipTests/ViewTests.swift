import LashupMembership
import LashupTestSupport
import LashupWire
import PropertyBased
import Testing

@Suite("Views, neighbour requests and shuffles", .onDedicatedThread)
struct ViewTests {
    /// A node with a full active view; pings are rare so silent test neighbours stay put.
    func fullNode() -> NodeHarness {
        var config = MembershipConfig()
        config.pingInterval = .seconds(3600)
        var node = NodeHarness("n", config: config)
        node.handle(.start)
        node.connect((1...7).map { "a\($0)" })
        return node
    }

    @Test("a full node refuses low-priority requests")
    func lowPriorityRefused() {
        var node = fullNode()
        node.receive(.neighbor(requester: Peer("x"), priority: .low), from: "x")
        #expect(!node.activeNames.contains("x"))
        #expect(node.sent(to: "x").first.map { if case .neighborReject = $0 { true } else { false } } == true)
        #expect(node.passiveNames.contains("x"))
    }

    @Test("a full node accepts a high-priority request by displacing a neighbour, who is told")
    func highPriorityDisplaces() {
        var node = fullNode()
        node.receive(.neighbor(requester: Peer("x"), priority: .high), from: "x")
        #expect(node.activeNames.contains("x"))
        #expect(node.activeNames.count == 7)
        let displaced = node.sent.filter { $0.1 == .disconnect(leaving: false) }.map(\.0)
        #expect(displaced.count == 1)
        #expect(node.passiveNames.contains(displaced[0]))
        #expect(node.sent(to: "x") == [.neighborAccept])
    }

    @Test("a neighbour that disconnects moves to the passive view and maintenance looks for a replacement")
    func disconnectAndRepair() {
        var node = fullNode()
        node.receive(.neighborReject(passiveSample: [Peer("spare")]), from: "z")
        node.receive(.disconnect(leaving: false), from: "a1")
        #expect(node.passiveNames.contains("a1"))
        node.advance(by: .milliseconds(100))
        #expect(node.sent.contains { if case .neighbor(_, .low) = $0.1 { true } else { false } })
    }

    @Test("a leaving neighbour is forgotten, not kept as a candidate")
    func leavingForgotten() {
        var node = fullNode()
        node.receive(.disconnect(leaving: true), from: "a1")
        #expect(!node.passiveNames.contains("a1"))
        #expect(!node.node.knownMembers.contains { $0.id.name == "a1" })
    }

    @Test("an unanswered neighbour request drops its target from the passive view")
    func requestTimeout() {
        var node = NodeHarness("n", restored: MembershipSnapshot(passiveView: [Peer("gone")]))
        node.handle(.start)
        node.advance(by: .milliseconds(100))
        #expect(node.sent(to: "gone").contains(.neighbor(requester: Peer("n"), priority: .high)))
        node.advance(by: .seconds(2))
        #expect(!node.passiveNames.contains("gone"))
    }

    @Test("a shuffle sends a small sample and the end of the walk swaps passive samples")
    func shuffle() {
        var origin = fullNode()
        for index in 0..<20 { origin.receive(.neighborReject(passiveSample: [Peer("p\(index)")]), from: "z\(index)") }
        origin.advance(by: .seconds(13))
        let shuffles = origin.sent.compactMap { entry -> (String, [Peer], UInt8)? in
            if case let .shuffle(from, sample, ttl, _) = entry.1, from.id.name == "n" { (entry.0, sample, ttl) } else { nil }
        }
        #expect(shuffles.count == 1)
        if let (_, sample, ttl) = shuffles.first {
            #expect(sample.count == 1 + 3 + 4, "self + ka + kp, not whole views")
            #expect(sample.first == Peer("n"))
            #expect(ttl == 6)
        }

        var end = NodeHarness("e")
        end.handle(.start)
        end.connect(["only"])
        end.receive(.neighborReject(passiveSample: [Peer("q1"), Peer("q2")]), from: "z")
        let incoming = (1...8).map { Peer("s\($0)") }
        end.receive(.shuffle(origin: Peer("o"), sample: incoming, ttl: 3, id: 9), from: "only")
        guard case let .shuffleReply(reply, id)? = end.sent(to: "o").first else {
            Issue.record("no shuffle reply")
            return
        }
        #expect(id == 9)
        #expect(reply.count <= incoming.count)
        #expect(end.passiveNames.contains("s1"))
    }

    @Test("the passive view never exceeds its size")
    func passiveBounded() {
        var node = fullNode()
        for index in 0..<200 {
            node.receive(.shuffle(origin: Peer("o\(index)"), sample: (0..<8).map { Peer("x\(index)-\($0)") }, ttl: 1, id: UInt64(index)), from: "a1")
        }
        #expect(node.passiveNames.count == 42)
    }

    /// Random inputs from a pool of peers (messages of every kind, timers, lost connections,
    /// time passing) never break the invariants: active ∩ passive = ∅, self in neither, sizes
    /// bounded, no duplicates.
    @Test("random schedules never break the view invariants")
    func randomSchedules() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 1...150)) { script in
            var config = MembershipConfig()
            config.activeViewSize = 3
            config.passiveViewSize = 5
            var node = NodeHarness("n", contacts: ["p0"], config: config, seed: UInt64(script.count))
            node.handle(.start)
            for code in script {
                let peer = Peer("p\(code % 9)")
                let other = Peer("p\((code / 9) % 9)")
                let sample = (0..<(code % 7)).map { Peer("p\(($0 + code) % 11)") }
                let message: MembershipMessage
                switch (code / 81) % 15 {
                case 0: message = .join(joiner: peer)
                case 1: message = .joinAccept(passiveSample: sample)
                case 2: message = .joinDeny(alternatives: sample)
                case 3: message = .forwardJoin(joiner: other, ttl: UInt8(code % 8))
                case 4: message = .neighbor(requester: peer, priority: code % 2 == 0 ? .low : .high)
                case 5: message = .neighborAccept
                case 6: message = .neighborReject(passiveSample: sample)
                case 7: message = .disconnect(leaving: code % 5 == 0)
                case 8: message = .shuffle(origin: other, sample: sample, ttl: UInt8(code % 7), id: UInt64(code))
                case 9: message = .shuffleReply(sample: sample, id: UInt64(code % 3))
                case 10: message = .ping(sequence: UInt64(code % 50))
                case 11: message = .pong(sequence: UInt64(code % 50), isNeighbor: code % 3 != 0)
                case 12: message = .pingRequest(target: other, sequence: UInt64(code % 50))
                case 13: message = .pingRequestResult(target: other.id, sequence: UInt64(code % 50), alive: code % 2 == 0)
                default:
                    if code % 2 == 0 {
                        node.handle(.connectionLost(peer.id))
                    } else {
                        node.advance(by: .milliseconds(Int64(code % 700)))
                    }
                    continue
                }
                node.receive(message, from: peer.id.name)
                #expect(node.node.invariantViolations().isEmpty)
            }
        }
    }

    @Test("every membership message round-trips through its frame")
    func wireRoundTrip() throws {
        let peers = [Peer(id: NodeID("a"), address: "10.0.0.1:62001"), Peer("b")]
        let messages: [MembershipMessage] = [
            .join(joiner: peers[0]), .joinAccept(passiveSample: peers), .joinDeny(alternatives: []),
            .forwardJoin(joiner: peers[1], ttl: 6), .neighbor(requester: peers[0], priority: .high),
            .neighborAccept, .neighborReject(passiveSample: peers), .disconnect(leaving: true),
            .shuffle(origin: peers[0], sample: peers, ttl: 3, id: 1 << 40), .shuffleReply(sample: peers, id: 7),
            .ping(sequence: 0), .pong(sequence: .max, isNeighbor: false),
            .pingRequest(target: peers[1], sequence: 5), .pingRequestResult(target: NodeID("b"), sequence: 5, alive: true),
        ]
        for message in messages {
            var stream = Frame(message).encoded()
            let frame = try #require(try FrameDecoder().nextFrame(from: &stream))
            #expect(try frame.decode(as: MembershipMessage.self) == message)
            let bytes = message.encodedBytes()
            for cut in 0..<bytes.count {
                #expect(throws: WireError.self) { try MembershipMessage(decoding: bytes[0..<cut]) }
            }
        }
    }

    @Test("random bytes never crash the membership decoder")
    func randomBytes() async {
        await propertyCheck(count: 1000, input: Gen.uint8(in: 0...255).array(of: 0...60)) { bytes in
            _ = try? MembershipMessage(decoding: bytes)
        }
    }
}
