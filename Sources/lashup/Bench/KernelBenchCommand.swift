import ArgumentParser
import Foundation
import LashupAPI
import LashupCRDT
import LashupNFTables
import LashupNetlink

/// `lashup bench kernel`: programs routes and permanent neighbours through `LashupNetlink`
/// and through `ip -batch` (the peer), each in a fresh network namespace of its own, then a
/// no-op reconcile of the programmed state, then an nftables map of as many elements in one
/// transaction and a change of one element. Needs root; changes nothing outside the
/// namespaces it creates and deletes.
struct KernelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Measure routes and neighbours through LashupNetlink vs ip -batch, a no-op reconcile, and a large nftables map (root)."
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
            FileHandle.standardError.write(Data("lashup bench kernel: error: \(error)\n".utf8))
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

        // nftables: one map of `objects` elements written in one transaction, then one element
        // changed (an element-only transaction), then a pass with nothing to change.
        let tables = try NFTables(namespace: ours.path)
        var map = NFTMap(name: "backends", keyType: "ipv4_addr", valueType: "ipv4_addr")
        for index in 0..<objects { map.elements[IPAddress.v4(0x0B00_0000 | UInt32(index)).description] = IPAddress.v4(0x0A00_0000 | UInt32(index)).description }
        var ruleset = NFTRuleset(maps: [map], chains: [
            NFTChain(name: "prerouting", hook: .init(type: "nat", hook: "prerouting", priority: -100), rules: ["dnat ip to ip daddr map @backends"]),
        ])
        start = clock.now
        try tables.apply(ruleset)
        let nftFull = (clock.now - start).seconds
        ruleset.maps[0].elements["11.0.0.1"] = "10.9.9.9"
        start = clock.now
        let one = try tables.apply(ruleset)
        let nftOne = (clock.now - start).seconds
        guard one.kind == .elements else { throw BenchError("changing one element was not an element-only transaction: \(one)") }
        start = clock.now
        let none = try tables.apply(ruleset)
        let nftNone = (clock.now - start).seconds
        guard none.kind == .unchanged else { throw BenchError("an unchanged map was rewritten: \(none)") }

        let rows: [(String, Double, Double?)] = [
            ("routes", oursRoutes, ipRoutes),
            ("permanent neighbours", oursNeighbours, ipNeighbours),
            ("no-op reconcile (dump + diff)", reconcile, nil),
            ("nft map, one transaction", nftFull, nil),
            ("nft map, one element changed", nftOne, nil),
            ("nft map, nothing to change", nftNone, nil),
        ]
        if json {
            print(JSONValue.object([
                "objects": .integer(Int64(objects)),
                "routes_seconds": .number(oursRoutes), "routes_ip_batch_seconds": .number(ipRoutes), "routes_ratio": .number(ipRoutes / oursRoutes),
                "neighbours_seconds": .number(oursNeighbours), "neighbours_ip_batch_seconds": .number(ipNeighbours), "neighbours_ratio": .number(ipNeighbours / oursNeighbours),
                "noop_reconcile_seconds": .number(reconcile),
                "nft_map_full_seconds": .number(nftFull), "nft_map_one_element_seconds": .number(nftOne), "nft_map_unchanged_seconds": .number(nftNone),
            ]).text)
        } else {
            print("\(objects) objects of each kind, each side in a fresh network namespace")
            for (what, mine, theirs) in rows {
                let label = what.padding(toLength: 32, withPad: " ", startingAt: 0)
                if let theirs {
                    print(label + String(format: "LashupNetlink %.3f s (%.0f/s)   ip -batch %.3f s (%.0f/s)   ratio %.2f", mine, Double(objects) / mine, theirs, Double(objects) / theirs, theirs / mine))
                } else {
                    print(label + String(format: "%.3f s", mine))
                }
            }
        }
    }
}
