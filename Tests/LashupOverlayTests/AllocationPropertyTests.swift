import Foundation
import LashupCluster
import LashupClusterTesting
import LashupNetlink
import LashupOverlay
import LashupTestSupport
import PropertyBased
import Testing

/// Random joins, partitions, crashes, wiped disks and heals across real nodes of an
/// in-memory cluster: no two hosts ever hold the same settled slot (subnet and VTEP address),
/// and after the heal every host settles.
@Suite("Overlay allocation under faults", .onDedicatedThread)
struct AllocationPropertyTests {
    /// An overlay with exactly one slot per host, so preferred slots collide, hosts probe past
    /// each other and conflicts made during partitions must be resolved for all to settle.
    static let settings = OverlaySettings(subnet: IPPrefixes.small)
    static let hosts = 8

    enum Fault: CaseIterable { case join, joinAll, partition, heal, crash, restart, wipe, nothing }

    @Test("no duplicate settled slot at any step; every host settles after the heal", arguments: [1, 2, 3, 4])
    func noDuplicates(seedBase: UInt64) async throws {
        let faults = Gen.int(in: 0...(Fault.allCases.count - 1)).array(of: 2...2).array(of: 30...60)
        // LASHUP_OVERLAY_PROPERTY_RUNS=100 sweeps more scripts per seed (a long run, not for CI).
        let runs = Int(ProcessInfo.processInfo.environment["LASHUP_OVERLAY_PROPERTY_RUNS"] ?? "") ?? 3
        await propertyCheck(count: runs, input: faults) { script in
            await Self.run(script: script, seed: seedBase * 7919 + UInt64(script.count))
        }
    }

    static func run(script: [[Int]], seed: UInt64) async {
        let cluster = InMemoryCluster(nodes: hosts, seed: seed)
        await cluster.advance(by: .seconds(3))
        var allocations: [OverlayAllocation?] = Array(repeating: nil, count: hosts)
        var joined = Set<Int>()
        /// What each host last held settled, kept while it is down (its containers still run).
        var held: [Int: OverlayClaim] = [:]
        var now: Duration = .seconds(3)
        var conflicts = 0
        var history: [String] = []
        var reported = false

        func step() async {
            await cluster.advance(by: .milliseconds(500))
            now += .milliseconds(500)
            for index in joined.sorted() where await cluster.isRunning(index) {
                if allocations[index] == nil {
                    // Node 0 starts the cluster; the others join through it (their contacts).
                    allocations[index] = OverlayAllocation(settings: settings, me: "node-\(index)", cluster: cluster.node(index), expectsPeers: index != 0)
                }
                let allocation = allocations[index]!
                await allocation.step(members: await cluster.members(of: index), agentIP: "10.0.0.\(index + 1)", monotonic: now,
                                      wallClock: UInt64((now - .zero).components.seconds) * 1_000_000_000 + UInt64(index))
                held[index] = await allocation.allocator.settledClaim
            }
            var owners: [Int: Int] = [:]
            for (index, claim) in held {
                if let other = owners[claim.slot] {
                    if !reported {
                        reported = true
                        print("overlay property run seed \(seed): DUPLICATE slot \(claim.slot) node-\(other) and node-\(index) at \(now): \(held[other]!) vs \(claim)")
                        print("history: \(history.joined(separator: "; "))")
                        for node in [other, index] {
                            let view = await cluster.members(of: node).map { "\($0.name)\($0.reachable ? "+" : "-")\($0.leaving ? "L" : "")" }
                            let claims = await allocations[node]?.claims.values.map { "\($0.node):\($0.slot)\($0.isSettled ? "s" : "")" }.sorted() ?? []
                            print("node-\(node) members \(view) claims \(claims) running \(await cluster.isRunning(node))")
                        }
                        print("script: \(script)")
                    }
                    Issue.record("slot \(claim.slot) held settled by node-\(other) and node-\(index) at \(now)")
                }
                owners[claim.slot] = index
            }
        }

        joined.insert(0)
        // Start split, so the first claims are made apart.
        await cluster.partition(Array(0..<(hosts / 2)), Array((hosts / 2)..<hosts))
        for row in script {
            let fault = Fault.allCases[row[0]]
            let index = row[1] % hosts
            var settledNow: [String] = []
            for (node, claim) in held.sorted(by: { $0.key < $1.key }) { settledNow.append("\(node):\(claim.slot)") }
            history.append("t=\(now) \(fault) \(index) [held \(settledNow.joined(separator: ","))]")
            switch fault {
            case .join:
                joined.insert(index)
            case .joinAll:
                joined = Set(0..<hosts)
            case .partition:
                await cluster.heal()
                await cluster.partition(Array(0..<(index % (hosts - 1) + 1)), Array((index % (hosts - 1) + 1)..<hosts))
            case .heal:
                await cluster.heal()
            case .crash where index != 0:
                await cluster.crash(index)
                conflicts += await allocations[index]?.allocator.counters.conflictsSeen ?? 0
                allocations[index] = nil
            case .restart:
                await cluster.restart(index)
            case .wipe where index != 0:
                await cluster.crash(index)
                await cluster.wipe(index)
                conflicts += await allocations[index]?.allocator.counters.conflictsSeen ?? 0
                allocations[index] = nil
                await cluster.restart(index)
            default:
                break
            }
            for _ in 0..<4 { await step() }
        }
        await cluster.heal()
        for index in 0..<hosts { await cluster.restart(index) }
        joined = Set(0..<hosts)
        for _ in 0..<80 { await step() }
        for index in 0..<hosts {
            let status = await allocations[index]?.allocator.status
            if held[index] == nil { print("overlay property run seed \(seed): UNSETTLED node-\(index): \(String(describing: status))") }
            #expect(held[index] != nil, "node-\(index) settles after the heal: \(String(describing: status))")
        }
        #expect(Set(held.values.map(\.slot)).count == held.count)
        for allocation in allocations.compactMap({ $0 }) { conflicts += await allocation.allocator.counters.conflictsSeen }
        print("overlay property run seed \(seed): \(script.count) faults, \(conflicts) competing claims seen")
    }
}

enum IPPrefixes {
    static let small = IPPrefix("9.0.0.0/21")!
}
