import ArgumentParser
import Foundation
import LashupAPI
import LashupCRDT
import LashupNetlink

/// `lashup bench netlink`: programs routes and permanent neighbours through `LashupNetlink`
/// and through `ip -batch` (the peer), each in a fresh network namespace of its own, then a
/// no-op reconcile of the programmed state. Needs root; changes nothing outside the
/// namespaces it creates and deletes.
struct NetlinkBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netlink",
        abstract: "Measure programming routes and neighbours through LashupNetlink vs ip -batch, and a no-op reconcile (root)."
    )

    @Option(help: "Routes (and, as many, permanent neighbours) to program.") var objects = 10_000
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard (1...60_000).contains(objects) else { throw ValidationError("--objects must be in 1...60000") }
    }

    static let table: UInt32 = 42
    static let bridge = "lashup-br"

    func route(_ index: Int) -> Route {
        Route(destination: IPPrefix(address: .v4(0x0B00_0000 | UInt32(index)), length: 32)!, table: Self.table, device: Self.bridge, scope: .link)
    }

    func neighbour(_ index: Int) -> Neighbour {
        Neighbour(interface: Self.bridge, address: .v4(0x0A01_0000 | UInt32(index)), mac: MACAddress(bytes: [2, 0, 0, 0, UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF)])!)
    }

    func run() throws {
        do {
            try measure()
        } catch {
            FileHandle.standardError.write(Data("lashup bench netlink: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    func measure() throws {
        let clock = ContinuousClock()
        let routes = (0..<objects).map(route)
        let neighbours = (0..<objects).map(neighbour)

        // Ours.
        let ours = try BenchNamespace("ours")
        let client = try RTNetlink(namespace: ours.path)
        try client.apply(.addLink(Link(name: Self.bridge, kind: .bridge, up: true)))
        var start = clock.now
        let routeFailures = try client.apply(routes.map(KernelChange.replaceRoute))
        let oursRoutes = (clock.now - start).seconds
        start = clock.now
        let neighbourFailures = try client.apply(neighbours.map(KernelChange.replaceNeighbour))
        let oursNeighbours = (clock.now - start).seconds
        guard routeFailures.isEmpty, neighbourFailures.isEmpty else {
            throw BenchError("the kernel refused \(routeFailures.count + neighbourFailures.count) changes, first: \((routeFailures + neighbourFailures)[0].error)")
        }
        let programmed = try client.routes(.v4).filter { $0.table == Self.table }.count
        guard programmed == objects else { throw BenchError("\(programmed) routes in table \(Self.table), expected \(objects)") }

        // A no-op reconcile of that state: dump everything, diff, change nothing.
        let owner = Ownership(linkNames: [Self.bridge], routeTables: [Self.table])
        let desired = KernelState(links: [Link(name: Self.bridge, kind: .bridge, up: true)], routes: Set(routes), neighbours: Set(neighbours))
        start = clock.now
        let report = try Reconciler.reconcile(desired, owner: owner, client: client)
        let reconcile = (clock.now - start).seconds
        guard report.isNoOp else { throw BenchError("the reconcile of programmed state was not a no-op: \(report.summary)") }

        // The peer: the same objects through one `ip -batch` each.
        let peer = try BenchNamespace("ip")
        try BenchNamespace.ip(["-n", peer.name, "link", "add", Self.bridge, "type", "bridge"])
        try BenchNamespace.ip(["-n", peer.name, "link", "set", Self.bridge, "up"])
        let ipRoutes = try peer.timedBatch(routes.map { "route replace \($0.destination) dev \(Self.bridge) table \(Self.table) proto \(RouteProtocol.lashup) scope link" })
        let ipNeighbours = try peer.timedBatch(neighbours.map { "neighbour replace \($0.address) lladdr \($0.mac) dev \(Self.bridge) nud permanent" })

        let rows: [(String, Double, Double?)] = [
            ("routes", oursRoutes, ipRoutes),
            ("permanent neighbours", oursNeighbours, ipNeighbours),
            ("no-op reconcile (dump + diff)", reconcile, nil),
        ]
        if json {
            print(JSONValue.object([
                "objects": .integer(Int64(objects)),
                "routes_seconds": .number(oursRoutes), "routes_ip_batch_seconds": .number(ipRoutes), "routes_ratio": .number(ipRoutes / oursRoutes),
                "neighbours_seconds": .number(oursNeighbours), "neighbours_ip_batch_seconds": .number(ipNeighbours), "neighbours_ratio": .number(ipNeighbours / oursNeighbours),
                "noop_reconcile_seconds": .number(reconcile),
            ]).text)
        } else {
            print("\(objects) objects of each kind, each side in a fresh network namespace")
            for (what, mine, theirs) in rows {
                let peerText = theirs.map { String(format: "ip -batch %.3f s (%.0f/s), ratio %.2f", $0, Double(objects) / $0, $0 / mine) } ?? ""
                let label = what.padding(toLength: 32, withPad: " ", startingAt: 0)
                print(label + String(format: "LashupNetlink %.3f s (%.0f/s)   ", mine, Double(objects) / mine) + peerText)
            }
        }
    }
}
