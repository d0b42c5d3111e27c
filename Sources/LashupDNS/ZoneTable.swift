import LashupCRDT

/// Every zone this server answers for, looked up by the longest apex a name falls under.
/// An immutable snapshot: the service builds a new one when the store's zones change.
public struct ZoneTable: Sendable {
    /// Suffix of the cluster's internal zones (`<x>.thisdcos.directory`).
    public static let internalSuffix = try! DomainName("thisdcos.directory")
    /// Zones this node makes up itself; the store cannot replace them.
    public static let localApexes = ["spartan", "localhost", "thisnode.thisdcos.directory"].map { try! DomainName($0) }

    public let zones: [DomainName: Zone]
    /// Increases with every rebuild; caches of answers are valid for one generation.
    public let generation: UInt64

    public init(zones: [Zone], generation: UInt64) {
        var byApex: [DomainName: Zone] = [:]
        for zone in zones { byApex[zone.apex] = zone }
        self.zones = byApex
        self.generation = generation
    }

    /// The zone `name` falls under (longest apex), if any.
    public func zone(for name: DomainName) -> Zone? {
        var candidate = name
        while true {
            if let zone = zones[candidate] { return zone }
            if candidate == .root { return nil }
            candidate = candidate.droppingFirst(1)
        }
    }

    /// The apex a store key names: `["dns","zones",<zone>]` holds zone `<zone>`. Only
    /// `<x>.thisdcos.directory` zones that are not local, and `zk`, are taken from the store.
    public static func storeApex(_ zone: String) -> DomainName? {
        guard let apex = try? DomainName(zone).lowercased else { return nil }
        // `zk` (ZooKeeper on the Mesos masters, published by the hosts that run them) is the
        // one store zone outside thisdcos.directory, as in the original.
        if apex == zkApex { return apex }
        guard apex.labelCount == internalSuffix.labelCount + 1, apex.isSubdomain(of: internalSuffix),
              !localApexes.contains(apex) else { return nil }
        return apex
    }

    /// The `zk` zone's apex.
    public static let zkApex = try! DomainName("zk")

    /// The local zones: `spartan` (`ready.spartan` health probe, `ns.spartan`), `localhost`,
    /// and `thisnode.thisdcos.directory` (this node's address, `public.` its public ones).
    public static func localZones(nameServerAddress: IPAddress?, nodeAddress: IPAddress?, publicAddresses: [IPAddress], serial: UInt32) -> [Zone] {
        func record(_ name: String, _ address: IPAddress) -> ZoneRecord {
            ZoneRecord(name: try! DomainName(name), data: address.isIPv4 ? .a(address) : .aaaa(address))
        }
        let loopback = IPAddress("127.0.0.1")!
        var spartan = [record("ready.spartan", loopback), record("ns.spartan", nameServerAddress ?? loopback)]
        if let nodeAddress, nameServerAddress == nil { spartan[1] = record("ns.spartan", nodeAddress) }
        var thisNode: [ZoneRecord] = []
        if let nodeAddress { thisNode.append(record("thisnode.thisdcos.directory", nodeAddress)) }
        thisNode += publicAddresses.map { record("public.thisnode.thisdcos.directory", $0) }
        return [
            Zone(apex: try! DomainName("spartan"), records: spartan, serial: serial),
            Zone(apex: try! DomainName("localhost"), records: [record("localhost", loopback), record("localhost", IPAddress("::1")!)], serial: serial),
            Zone(apex: try! DomainName("thisnode.thisdcos.directory"), records: thisNode, serial: serial),
        ]
    }
}
