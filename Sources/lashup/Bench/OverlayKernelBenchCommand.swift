import ArgumentParser
import Foundation
import LashupAPI
import LashupCRDT
import LashupNetlink
import LashupOverlay

/// `lashup bench overlay-kernel`: one host's overlay state for N remote hosts (VTEP device,
/// bridge, rule, and per remote host a neighbour, an FDB entry, a route and a table-42 route),
/// programmed cold through the reconciler and through `ip -batch` + `bridge -batch` (the
/// peer), each in a fresh network namespace; then one host more (an incremental change: the
/// delta the agent applies, against a batch of the same entries); then nothing changed, as a
/// delta and as the periodic full read-back, both of which must send nothing. Needs root.
struct OverlayKernelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlay-kernel",
        abstract: "Measure the overlay's kernel programming for N remote hosts vs ip -batch and bridge -batch (root)."
    )

    @Option(help: "Remote hosts.") var hosts = 1_000
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard (1...4_000).contains(hosts) else { throw ValidationError("--hosts must be in 1...4000 (the default overlay holds 4094)") }
        guard (1...50).contains(rounds) else { throw ValidationError("--rounds must be in 1...50") }
    }

    static let settings = OverlaySettings()

    static func claim(_ slot: Int) -> OverlayClaim {
        OverlayClaim(node: "host-\(slot)", slot: slot, claimedAt: 1, settledAt: 2, agentIP: IPAddress.v4(0x0A01_0000 | UInt32(slot)).description)
    }

    static func state(remotes: Int) -> KernelState {
        let mine = claim(0)
        return OverlayKernelState.desired([.init(settings: settings, mine: mine, holders: (0...remotes).map(claim), mtu: 1450)])
    }

    /// The peer's commands for the same state: `ip` lines (link, addresses, rule, routes,
    /// neighbours) and `bridge` lines (FDB).
    static func peerLines(_ state: KernelState, links: Bool) -> (ip: [String], bridge: [String]) {
        var ip: [String] = []
        let settings = Self.settings
        if links {
            ip += ["link add \(settings.device) type vxlan id \(settings.vni) dstport \(settings.port) local \(claim(0).agentIP) nolearning",
                   "link set \(settings.device) address \(settings.vtepMAC(0)) mtu 1450 up",
                   "link add \(settings.bridge) type bridge", "link set \(settings.bridge) mtu 1450 up"]
            ip += state.addresses.map { "address add \($0.prefix) dev \($0.interface)" }
            ip += state.rules.map { "rule add from \($0.source!) lookup \($0.table) priority \($0.priority)" }
        }
        ip += state.routes.map { route in
            "route replace \(route.destination) via \(route.gateway!) dev \(route.device!) onlink table \(route.table) proto \(RouteProtocol.lashup)"
        }
        ip += state.neighbours.map { "neighbour replace \($0.address) lladdr \($0.mac) dev \($0.interface) nud permanent" }
        let bridge = state.forwarding.map { "fdb append \($0.mac) dev \($0.interface) dst \($0.destination)" }
        return (ip, bridge)
    }

    func run() throws {
        do {
            try measure()
        } catch {
            FileHandle.standardError.write(Data("lashup bench overlay-kernel: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    @Option(help: "Rounds, each in fresh namespaces; the median of each figure is printed.") var rounds = 5

    func measure() throws {
        var results: [Round] = []
        for _ in 0..<max(1, rounds) { results.append(try round()) }
        func median(_ figure: (Round) -> Double) -> Double {
            let sorted = results.map(figure).sorted()
            return sorted[sorted.count / 2]
        }
        let oursCold = median(\.oursCold), peerCold = median(\.peerCold), oursChange = median(\.oursChange), peerChange = median(\.peerChange)
        let oursNoDelta = median(\.oursNoDelta), oursNoOp = median(\.oursNoOp)
        let objects = results[0].objects
        let noOpChanges = results.map(\.noOpChanges).max() ?? 0
        let noDeltaChanges = results.map(\.noDeltaChanges).max() ?? 0
        if json {
            print(JSONValue.object([
                "remote_hosts": .integer(Int64(hosts)), "objects": .integer(Int64(objects)), "rounds": .integer(Int64(results.count)),
                "cold_seconds": .number(oursCold), "cold_ip_batch_seconds": .number(peerCold), "cold_ratio": .number(peerCold / oursCold),
                "change_seconds": .number(oursChange), "change_ip_batch_seconds": .number(peerChange), "change_ratio": .number(peerChange / oursChange),
                "noop_reconcile_seconds": .number(oursNoOp), "noop_changes": .integer(Int64(noOpChanges)),
                "noop_delta_seconds": .number(oursNoDelta), "noop_delta_changes": .integer(Int64(noDeltaChanges)),
            ]).text)
        } else {
            print("\(hosts) remote hosts: \(objects) routes, neighbours and FDB entries, each side in fresh network namespaces; medians of \(results.count) rounds")
            print(String(format: "cold programming          reconciler %.3f s   ip -batch + bridge -batch %.3f s   ratio %.2f", oursCold, peerCold, peerCold / oursCold))
            print(String(format: "one host more             delta %.4f s       ip -batch + bridge -batch %.4f s  ratio %.2f", oursChange, peerChange, peerChange / oursChange))
            print(String(format: "nothing changed           delta %.4f s, %d changes sent; full read-back %.4f s, %d changes sent", oursNoDelta, noDeltaChanges, oursNoOp, noOpChanges))
        }
    }

    struct Round {
        var objects = 0
        var oursCold = 0.0, peerCold = 0.0, oursChange = 0.0, peerChange = 0.0, oursNoDelta = 0.0, oursNoOp = 0.0
        var noOpChanges = 0, noDeltaChanges = 0
    }

    func round() throws -> Round {
        let clock = ContinuousClock()
        let owner = OverlayKernelState.ownership([Self.settings])
        let cold = Self.state(remotes: hosts)
        let grown = Self.state(remotes: hosts + 1)
        let objects = cold.routes.count + cold.neighbours.count + cold.forwarding.count

        let ours = try BenchNamespace("overlay")
        let client = try RTNetlink(namespace: ours.path)
        var start = clock.now
        let first = try Reconciler.reconcile(cold, owner: owner, client: client)
        let oursCold = (clock.now - start).seconds
        guard first.failures.isEmpty else { throw BenchError("the kernel refused \(first.failures.count) changes, first: \(first.failures[0].error)") }
        // A change is applied as the agent applies it: the delta from the last pass, no read-back.
        start = clock.now
        let change = try Reconciler.applyDelta(from: cold, to: grown, owner: owner, client: client)
        let oursChange = (clock.now - start).seconds
        guard let change, change.failures.isEmpty, change.changes.count == 4 else { throw BenchError("one more host took \(change?.summary ?? "a full reconcile")") }
        start = clock.now
        let noDelta = try Reconciler.applyDelta(from: grown, to: grown, owner: owner, client: client)
        let oursNoDelta = (clock.now - start).seconds
        guard noDelta?.isNoOp == true else { throw BenchError("an unchanged state sent changes") }
        // The periodic verification: read everything back, diff, change nothing.
        start = clock.now
        let noOp = try Reconciler.reconcile(grown, owner: owner, client: client)
        let oursNoOp = (clock.now - start).seconds
        guard noOp.isNoOp else { throw BenchError("a reconcile of programmed state changed things: \(noOp.summary)") }

        let peer = try BenchNamespace("overlay-ip")
        let lines = Self.peerLines(cold, links: true)
        start = clock.now
        _ = try peer.timedBatch(lines.ip)
        _ = try peer.timedBatch(lines.bridge, tool: "bridge")
        let peerCold = (clock.now - start).seconds
        let added = KernelState(routes: grown.routes.subtracting(cold.routes), neighbours: grown.neighbours.subtracting(cold.neighbours),
                                forwarding: grown.forwarding.subtracting(cold.forwarding))
        let delta = Self.peerLines(added, links: false)
        start = clock.now
        _ = try peer.timedBatch(delta.ip)
        _ = try peer.timedBatch(delta.bridge, tool: "bridge")
        let peerChange = (clock.now - start).seconds
        // Both kernels must hold the same objects of the overlay's kinds.
        let peerState = try Reconciler.read(try RTNetlink(namespace: peer.path))
        let oursState = try Reconciler.read(client)
        guard Reconciler.plan(desired: grown, current: peerState, owner: owner).objects.isEmpty,
              Reconciler.plan(desired: grown, current: oursState, owner: owner).objects.isEmpty
        else { throw BenchError("the two namespaces do not hold the same overlay state") }

        return Round(objects: objects, oursCold: oursCold, peerCold: peerCold, oursChange: oursChange, peerChange: peerChange,
                     oursNoDelta: oursNoDelta, oursNoOp: oursNoOp, noOpChanges: noOp.changes.count, noDeltaChanges: noDelta?.changes.count ?? -1)
    }
}
