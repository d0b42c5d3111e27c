/// Decides who answers a name (dcos-net's routing, first match wins):
/// 1. `*.dclb.thisdcos.directory` and `*.dclb.thisdcos.global` are answered as
///    `l4lb.thisdcos.directory`;
/// 2. `*.X.thisdcos.global` as `X.thisdcos.directory`;
/// 3. `*.L.<cluster-id>.dcos.directory` as `L.thisdcos.directory`;
/// 4. names in a local zone or under `thisdcos.directory` are answered here (an internal zone
///    nobody wrote is REFUSED);
/// 5. configured forward zones, the LONGEST matching suffix (the original took any);
/// 6. everything else goes to the upstream resolvers.
public struct QueryRouter: Sendable {
    /// Where a query goes.
    public enum Route: Equatable, Sendable {
        /// Answer from the zones, after renaming the suffix `from` to `to` when not nil.
        case answer(rename: Rename?)
        /// Forward to these resolvers; `zone` names the forward zone (`.` for the upstreams).
        case forward(zone: DomainName, upstreams: [Upstream])
        /// A name under `thisdcos.directory` in no zone we hold.
        case refuse
    }

    /// A suffix rewrite applied to the question and undone in the answer.
    public struct Rename: Equatable, Sendable {
        public var from: DomainName
        public var to: DomainName
    }

    static let directory = try! DomainName("thisdcos.directory")
    static let global = try! DomainName("thisdcos.global")
    static let dcosDirectory = try! DomainName("dcos.directory")
    static let l4lb = try! DomainName("l4lb.thisdcos.directory")

    public let upstreams: [Upstream]
    /// Forward zones, longest first.
    public let forwardZones: [ForwardZone]
    /// The zbase32 cluster id for `*.L.<cluster-id>.dcos.directory`; nil disables rule 3.
    public let clusterID: DomainName?

    public init(upstreams: [Upstream], forwardZones: [ForwardZone], clusterID: String?) {
        self.upstreams = upstreams
        self.forwardZones = forwardZones.sorted { $0.zone.labelCount > $1.zone.labelCount }
        // One label only: anything else could never match, and the root would have none.
        self.clusterID = clusterID.flatMap { try? DomainName($0).lowercased }.flatMap { $0.labelCount == 1 ? $0 : nil }
    }

    public func route(_ name: DomainName, zones: ZoneTable) -> Route {
        if let rename = rename(name) { return .answer(rename: rename) }
        if zones.zone(for: name) != nil { return .answer(rename: nil) }
        if name.isSubdomain(of: Self.directory) { return .refuse }
        for forward in forwardZones where name.isSubdomain(of: forward.zone) {
            return .forward(zone: forward.zone, upstreams: forward.upstreams)
        }
        return .forward(zone: .root, upstreams: upstreams)
    }

    /// Rules 1–3: the suffix to rewrite, if the name falls under one.
    func rename(_ name: DomainName) -> Rename? {
        let count = name.labelCount
        if count >= 4, name.isSubdomain(of: Self.global) || name.isSubdomain(of: Self.directory) {
            let zone = name.droppingFirst(count - 3)  // X.thisdcos.global or X.thisdcos.directory
            if DomainName.lowercase(zone.labels[0]) == Array("dclb".utf8) {
                return Rename(from: zone, to: Self.l4lb)
            }
            if name.isSubdomain(of: Self.global) {
                return Rename(from: zone, to: Self.directory.prepending(zone.labels[0]))
            }
            return nil
        }
        if let clusterID, count >= 4, name.isSubdomain(of: Self.dcosDirectory) {
            let zone = name.droppingFirst(count - 4)  // L.<cluster-id>.dcos.directory
            let labels = zone.labels
            if DomainName.lowercase(labels[1]) == DomainName.lowercase(clusterID.labels[0]) {
                return Rename(from: zone, to: Self.directory.prepending(zone.labels[0]))
            }
        }
        return nil
    }
}

extension DomainName {
    static func lowercase(_ label: ArraySlice<UInt8>) -> [UInt8] { label.map(lower) }

    /// This name with `label` added on the left (the caller keeps it within 255 bytes).
    func prepending(_ label: ArraySlice<UInt8>) -> DomainName {
        DomainName(uncheckedWire: [UInt8(label.count)] + label + wire)
    }
}
