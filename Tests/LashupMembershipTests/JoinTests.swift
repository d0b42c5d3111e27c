import LashupMembership
import LashupTestSupport
import Testing

@Suite("Joining", .onDedicatedThread)
struct JoinTests {
    @Test("a joiner contacts its contact, and the link becomes symmetric on accept")
    func joinHandshake() {
        var joiner = NodeHarness("j", contacts: ["c"])
        joiner.handle(.start)
        #expect(joiner.sent(to: "c") == [.join(joiner: Peer("j"))])
        #expect(joiner.activeNames.isEmpty, "not active before the contact accepts")

        var contact = NodeHarness("c")
        contact.handle(.start)
        contact.connect(["x", "y"])
        contact.receive(.join(joiner: Peer("j")), from: "j")
        #expect(contact.activeNames.contains("j"))
        #expect(contact.sent(to: "j").contains { if case .joinAccept = $0 { true } else { false } })
        #expect(contact.events.contains(.neighborUp(Peer("j"))))
        // The walk starts at ARWL from every other neighbour.
        for neighbour in ["x", "y"] {
            #expect(contact.sent(to: neighbour) == [.forwardJoin(joiner: Peer("j"), ttl: 6)])
        }

        joiner.receive(.joinAccept(passiveSample: [Peer("p1"), Peer("p2")]), from: "c")
        #expect(joiner.activeNames == ["c"])
        #expect(Set(joiner.passiveNames) == ["p1", "p2"])
    }

    @Test("forward-join enters the passive view at PRWL and keeps walking")
    func forwardJoinAtPRWL() {
        var node = NodeHarness("n")
        node.handle(.start)
        node.connect(["s", "a", "b"])
        node.receive(.forwardJoin(joiner: Peer("j"), ttl: 3), from: "s")
        #expect(node.passiveNames.contains("j"))
        #expect(!node.activeNames.contains("j"))
        let forwarded = node.sent.filter { if case .forwardJoin = $0.1 { true } else { false } }
        #expect(forwarded.count == 1)
        #expect(["a", "b"].contains(forwarded[0].0), "never back to the sender")
        #expect(forwarded[0].1 == .forwardJoin(joiner: Peer("j"), ttl: 2))
    }

    @Test("the end of a walk offers a link, and adds the joiner only when it accepts")
    func forwardJoinEnd() {
        var node = NodeHarness("n")
        node.handle(.start)
        node.connect(["s", "a"])
        node.receive(.forwardJoin(joiner: Peer("j"), ttl: 0), from: "s")
        #expect(node.sent(to: "j") == [.neighbor(requester: Peer("n"), priority: .high)])
        #expect(!node.activeNames.contains("j"), "never one-sided")
        node.receive(.neighborAccept, from: "j")
        #expect(node.activeNames.contains("j"))
    }

    @Test("a contact beyond its join rate points the joiner elsewhere")
    func throttling() {
        var config = MembershipConfig()
        config.joinsPerSecond = 2
        var contact = NodeHarness("c", config: config)
        contact.handle(.start)
        contact.connect(["x"])
        contact.receive(.join(joiner: Peer("j1")), from: "j1")
        contact.receive(.join(joiner: Peer("j2")), from: "j2")
        contact.receive(.join(joiner: Peer("j3")), from: "j3")
        guard case let .joinDeny(alternatives)? = contact.sent(to: "j3").first else {
            Issue.record("third join in the same instant was not denied")
            return
        }
        #expect(Set(alternatives.map(\.id.name)) == Set(contact.activeNames))
        #expect(!contact.activeNames.contains("j3"))
        // A second later the bucket has refilled.
        contact.now = contact.now + .seconds(1)
        contact.receive(.join(joiner: Peer("j3")), from: "j3")
        #expect(contact.activeNames.contains("j3"))
    }

    @Test("a denied joiner tries an alternative at once")
    func deniedJoinerMovesOn() {
        var joiner = NodeHarness("j", contacts: ["c"])
        joiner.handle(.start)
        joiner.receive(.joinDeny(alternatives: [Peer("a")]), from: "c")
        #expect(joiner.sent(to: "a") == [.join(joiner: Peer("j"))])
    }

    @Test("an unanswered join is retried with backoff, forever while isolated")
    func joinRetry() {
        var joiner = NodeHarness("j", contacts: ["c1", "c2"])
        joiner.handle(.start)
        var joins: [(Instant, String)] = [(joiner.now, "c1")]
        for _ in 0..<120 {
            joiner.advance(by: .milliseconds(500))
            for (destination, message) in joiner.sent where message == .join(joiner: Peer("j")) {
                joins.append((joiner.now, destination))
            }
        }
        #expect(joins.count >= 8, "keeps trying while the active view is empty")
        #expect(Set(joins.map(\.1)) == ["c1", "c2"], "alternates between contacts")
        let gaps = zip(joins.dropFirst(), joins).map { ($0.0 - $1.0).inMilliseconds }
        #expect(gaps.first! < gaps.last!, "backs off")
        #expect(gaps.max()! <= 10_500, "but never beyond the maximum backoff (8 s, jittered)")
    }

    @Test("a restarted node rejoins through its persisted passive view, without contacts")
    func rejoinFromSnapshot() {
        let snapshot = MembershipSnapshot(passiveView: [Peer("p1"), Peer("p2")], knownMembers: [Peer("p1"), Peer("p2"), Peer("k")])
        var node = NodeHarness("n", restored: snapshot)
        node.handle(.start)
        node.advance(by: .milliseconds(100))
        let requests = node.sent.filter { if case .neighbor(_, .high) = $0.1 { true } else { false } }
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { ["p1", "p2"].contains($0.0) })
    }

    @Test("a graceful leave tells every neighbour")
    func leave() {
        var node = NodeHarness("n")
        node.handle(.start)
        node.connect(["a", "b"])
        node.handle(.leave)
        #expect(node.sent(to: "a") == [.disconnect(leaving: true)])
        #expect(node.sent(to: "b") == [.disconnect(leaving: true)])
        #expect(node.activeNames.isEmpty)
        #expect(node.effects.contains { if case .persist = $0 { true } else { false } })
    }
}
