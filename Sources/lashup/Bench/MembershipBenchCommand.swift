import ArgumentParser
import LashupGossip
import LashupMembership

/// `lashup bench membership`: how much memory one node's global membership takes in a
/// cluster of `--members` nodes, measured on a real `GossipNode` fed the way an agent is.
///
/// The node takes 6 neighbours (its active view). Each member's record (a host name like
/// `ip-10-0-3-17.ec2.internal`, its address, and an active view of 6 other members) then
/// arrives as a membership broadcast from one neighbour and again from a second (a
/// duplicate, so that link is pruned from the origin's tree, as in a running cluster), and
/// the routes are computed. What the node holds then (records, routing graph, reachability,
/// broadcast trees, deduplication memory and the bounded payload cache) is the growth of the
/// process's resident memory (the records' encoded bytes are made before it is read).
struct MembershipBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "membership",
        abstract: "Measure one node's memory for the global membership of a cluster of N members."
    )

    @Option(help: "Members in the cluster.") var members = 10_000
    @Option(help: "Seed for the members' views.") var seed: UInt64 = 1

    func validate() throws {
        guard (2...200_000).contains(members) else { throw ValidationError("--members must be in 2...200000") }
    }

    func run() throws {
        var random = SeededRandom(seed: seed)
        let peers = (0..<members).map { index in
            Peer(id: NodeID("ip-10-\(index / 65_536)-\(index / 256 % 256)-\(index % 256).ec2.internal"), address: "10.\(index / 65_536).\(index / 256 % 256).\(index % 256):62000")
        }
        let records: [[UInt8]] = (1..<members).map { index in
            var view: Set<Int> = []
            while view.count < 6 {
                let other = Int(random.next() % UInt64(members))
                if other != index { view.insert(other) }
            }
            return MemberRecord(peer: peers[index], incarnation: 1, version: 1, activeView: view.map { peers[$0].id }).encodedBytes()
        }
        let encodedBytes = records.reduce(0) { $0 + $1.count }
        let neighbours = Array(peers[1...min(6, members - 1)])

        guard let residentBefore = residentMebibytes() else { throw ValidationError("this benchmark reads /proc/self/status (Linux only)") }
        var node = GossipNode(me: peers[0], incarnation: 1, contacts: [], seed: seed)
        var now = Instant.zero
        var routeTimers: [NodeTimer] = []
        func noteRouteTimers(_ effects: [NodeEffect]) {
            routeTimers += effects.compactMap { if case let .setTimer(timer) = $0, case .routes = timer { timer } else { nil } }
        }
        // An active view of up to 6 neighbours, as HyParView keeps: each asks at high
        // priority, which is always accepted.
        _ = node.handle(.start, now: now)
        for neighbour in neighbours {
            noteRouteTimers(node.handle(.message(from: neighbour, .membership(.neighbor(requester: neighbour, priority: .high))), now: now))
        }
        for (offset, payload) in records.enumerated() {
            let id = BroadcastID(origin: peers[offset + 1].id, incarnation: 1, sequence: 1)
            for neighbour in neighbours.prefix(2) {
                noteRouteTimers(node.handle(.message(from: neighbour, .gossip(.gossip(id: id, topic: membershipTopic, payload: payload, hops: 3))), now: now))
            }
            now = now + .microseconds(100)
        }
        for timer in routeTimers { _ = node.handle(.timer(timer), now: max(now, timer.deadline)) }
        let residentAfter = residentMebibytes() ?? 0

        let residentBytes = (residentAfter - residentBefore) * 1_048_576
        print("membership of \(members) members, as one node holds it")
        print("  records known: \(node.records.count), reachable: \(node.reachable.count)")
        print("  records encoded: \(format3(Double(encodedBytes) / 1_048_576)) MiB (\(encodedBytes / max(records.count, 1)) bytes per member)")
        print("  resident memory: \(format3(residentBytes / 1_048_576)) MiB more (\(Int(residentBytes) / max(records.count, 1)) bytes per member)")
        withExtendedLifetime(node) {}
    }
}
