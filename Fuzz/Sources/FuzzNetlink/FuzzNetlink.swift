// libFuzzer target: the netlink decoders (LashupNetlink): rtnetlink and ctnetlink.
//
// The input is one datagram as the kernel would send it to our socket: any number of netlink
// messages of any type (rtnetlink dump replies, and ctnetlink's conntrack entries). It is
// split with `NetlinkReader.messages(in:)` and each message is decoded as a dump entry
// (`DumpedObject.decode`). Decode errors are expected; a trap is a bug. An object that
// decodes and that a request can recreate (routes, rules, addresses, VXLAN links, conntrack
// entries) must survive the round trip: the recreating message decodes to an equal object (a
// link's index aside: the kernel assigns it).
//
// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -parse-as-library`.
// `LASHUP_FUZZ_SEEDS=<dir> FuzzNetlink` writes seed inputs to <dir> and exits.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FuzzSupport
import LashupCRDT
import LashupNetlink

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let messages = try? NetlinkReader.messages(in: input) else { return 0 }
    for message in messages {
        guard let object = try? DumpedObject.decode(message) else { continue }
        guard let recreated = object.recreatingMessage else { continue }
        let again: DumpedObject?
        do {
            again = try DumpedObject.decode(recreated)
        } catch {
            fatalError("the message recreating \(object) does not decode: \(error); input \(hex(input))")
        }
        // A created link's index is the kernel's to choose: compare without it.
        if again.map(withoutIndex) != withoutIndex(object) {
            fatalError("round trip changed \(object) into \(String(describing: again)); input \(hex(input))")
        }
    }
    return 0
}

private func withoutIndex(_ object: DumpedObject) -> DumpedObject {
    guard case var .link(link) = object else { return object }
    link.index = 0
    return .link(link)
}

// MARK: - Entry point (see FuzzSupport.runFuzzer)

@_cdecl("FuzzNetlink_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(UnsafeRawPointer(data), size)
    }
}

// MARK: - Seeds

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer, _ argv: UnsafeMutableRawPointer) -> CInt {
    writeSeedsIfRequested(target: "FuzzNetlink", makeSeeds)
    return 0
}

/// Dump replies of every kind, as messages recreating real objects, one per seed and all of
/// them in one datagram.
private func makeSeeds() -> [[UInt8]] {
    let objects: [DumpedObject] = [
        .route(Route(destination: IPPrefix("11.0.0.7/32")!, table: 42, scope: .link), device: 3),
        .route(Route(destination: IPPrefix("11.0.1.0/24")!, table: 100_000, gateway: IPAddress("192.0.2.9"), onLink: true, metric: 5), device: 4),
        .route(Route(destination: IPPrefix("fd00:2::/64")!, table: 254, type: .local, metric: 1024), device: nil),
        .rule(Rule(family: .v4, source: IPPrefix("10.2.0.0/16")!, table: 42, priority: 31_000)),
        .rule(Rule(family: .v6, table: 42, priority: 31_001)),
        .address(index: 2, prefix: IPPrefix("10.1.0.1/24")!),
        .address(index: 2, prefix: IPPrefix("fd00:1::1/64")!),
        .link(Link(name: "vtep1024", kind: .vxlan(VXLANSettings(vni: 1024, port: 64000, local: IPAddress("10.0.0.1"))), mtu: 1450,
                   mac: MACAddress("02:00:00:00:00:01"), up: true)),
        .conntrack(ConntrackEntry(
            protocolNumber: 17,
            original: ConntrackTuple(source: IPAddress("10.0.0.9")!, destination: IPAddress("11.1.1.1")!, sourcePort: 5001, destinationPort: 80),
            reply: ConntrackTuple(source: IPAddress("10.0.0.5")!, destination: IPAddress("10.0.0.9")!, sourcePort: 8080, destinationPort: 5001), zone: 2)),
        .conntrack(ConntrackEntry(
            protocolNumber: 1,
            original: ConntrackTuple(source: IPAddress("fd00::9")!, destination: IPAddress("fd01:c::7")!),
            reply: ConntrackTuple(source: IPAddress("fd01:c::7")!, destination: IPAddress("fd00::9")!))),
    ]
    var seeds: [[UInt8]] = []
    var all: [UInt8] = []
    for object in objects {
        guard let message = object.recreatingMessage else { continue }
        let bytes = encode(message)
        seeds.append(bytes)
        all += bytes
    }
    seeds.append(all)
    return seeds
}

/// A message's bytes with its header (host order, as the kernel sends them).
private func encode(_ message: NetlinkMessage) -> [UInt8] {
    var bytes: [UInt8] = []
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value) { bytes += $0 } }
    append(UInt32(16 + message.payload.count))
    append(message.type)
    append(message.flags)
    append(message.sequence)
    append(message.portID)
    bytes += message.payload
    while bytes.count % 4 != 0 { bytes.append(0) }
    return bytes
}
