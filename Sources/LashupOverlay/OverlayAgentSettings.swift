import LashupCNIProtocol
import LashupCRDT
import LashupCluster
import LashupNetlink

/// The overlay's settings (`OverlayOptions` are their flags); each bad value is one error
/// naming the flag.
public struct OverlayAgentSettings: Sendable {
    public enum DataplaneMode: String, Sendable { case auto, on, off }

    public var overlays: [OverlaySettings]
    public var dataplane: DataplaneMode
    public var agentIP: String?
    /// nil: no CNI socket.
    public var cniSocket: String?
    public var timing: OverlayAllocator.Timing
    public var verifyInterval: Duration
    public var development: Bool

    public init(_ settings: ServiceSettings, development: Bool) throws(SettingError) {
        overlays = try Self.parse(settings.value("overlays") ?? "")
        let mode = settings.value("overlay_dataplane") ?? "auto"
        guard let parsed = DataplaneMode(rawValue: mode) else { throw SettingError("--overlay-dataplane \"\(mode)\": use auto, on or off") }
        dataplane = parsed
        agentIP = settings.value("overlay_agent_ip")
        if let agentIP, IPAddress(agentIP)?.isIPv4 != true {
            throw SettingError("--overlay-agent-ip \"\(agentIP)\" is not an IPv4 address")
        }
        let socket = settings.value("overlay_cni_socket") ?? AttachmentProtocol.defaultSocketPath
        cniSocket = socket == "none" ? nil : socket
        let quiet = try Self.number(settings, "overlay_quiet_ms", default: 2_500, range: 1_000...600_000, unit: "milliseconds")
        let unreachable = try Self.number(settings, "overlay_unreachable_seconds", default: 600, range: 0...604_800, unit: "seconds")
        let reclaim = try Self.number(settings, "overlay_reclaim_hours", default: 24, range: 0...8_760, unit: "hours")
        timing = OverlayAllocator.Timing(quietPeriod: .milliseconds(quiet), unreachableIgnoredAfter: unreachable == 0 ? nil : .seconds(unreachable),
                                         reclaimAfter: reclaim == 0 ? nil : .seconds(reclaim * 3_600))
        verifyInterval = .seconds(try Self.number(settings, "overlay_verify_seconds", default: 60, range: 1...3_600, unit: "seconds"))
        self.development = development
    }

    /// Why the dataplane stays off (nil: it runs).
    public var dataplaneOffReason: String? {
        switch dataplane {
        case .off: return "overlay dataplane off (--overlay-dataplane off): subnets are claimed and handed out, not programmed"
        case .auto where development:
            return "overlay dataplane off in --dev mode (this host's kernel is left alone; --overlay-dataplane on to program it)"
        case .auto, .on:
            return KernelAccess.missing(for: "overlay dataplane")
        }
    }

    static func number(_ settings: ServiceSettings, _ name: String, default value: Int, range: ClosedRange<Int>, unit: String) throws(SettingError) -> Int {
        let text = settings.value(name) ?? String(value)
        guard let number = Int(text), range.contains(number) else {
            throw SettingError("\(ServiceSettings.flagName(name)) \"\(text)\": a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// `NAME[,KEY=VALUE...][;NAME...]`, each overlay validated, names, VNIs, devices and
    /// subnets distinct.
    public static func parse(_ text: String) throws(SettingError) -> [OverlaySettings] {
        var result: [OverlaySettings] = []
        for spec in text.split(separator: ";").map(String.init) where !spec.allSatisfy({ $0 == " " }) {
            let fields = spec.split(separator: ",").map { String($0).trimmingSpaces() }
            let name = fields[0]
            var settings = OverlaySettings(name: name)
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw SettingError("--overlays: \"\(field)\" in overlay \(name) is not KEY=VALUE") }
                try apply(key: pair[0], value: pair[1], to: &settings)
            }
            do { try settings.validate() } catch { throw SettingError("--overlays: \(error)") }
            if let clash = result.first(where: { $0.name == settings.name || $0.vni == settings.vni || $0.routingTable == settings.routingTable }) {
                throw SettingError("--overlays: overlays \(clash.name) and \(settings.name) share a name, a VNI or a routing table")
            }
            if let clash = result.first(where: { $0.subnet.contains(settings.subnet.address) || settings.subnet.contains($0.subnet.address) }) {
                throw SettingError("--overlays: the subnets of \(clash.name) and \(settings.name) overlap")
            }
            result.append(settings)
        }
        return result
    }

    static func apply(key: String, value: String, to settings: inout OverlaySettings) throws(SettingError) {
        let name = settings.name
        func prefix() throws(SettingError) -> IPPrefix {
            guard value.contains("/"), let prefix = IPPrefix(value) else { throw SettingError("--overlays: \(key)=\(value) in overlay \(name) is not a network in CIDR form") }
            return prefix
        }
        func integer<T: FixedWidthInteger>(_ type: T.Type) throws(SettingError) -> T {
            guard let number = T(value) else { throw SettingError("--overlays: \(key)=\(value) in overlay \(name) is not a number in range") }
            return number
        }
        switch key {
        case "subnet": settings.subnet = try prefix().network
        case "host-prefix": settings.hostPrefixLength = try integer(UInt8.self)
        case "vtep-subnet": settings.vtepSubnet = try prefix().network
        case "vni":
            settings.vni = try integer(UInt32.self)
            settings.device = "vtep\(settings.vni)"
        case "port": settings.port = try integer(UInt16.self)
        case "mtu": settings.mtu = try integer(UInt32.self)
        case "table": settings.routingTable = try integer(UInt32.self)
        case "subnet6": settings.subnet6 = try prefix().network
        case "host-prefix6": settings.hostPrefixLength6 = try integer(UInt8.self)
        case "vtep-subnet6": settings.vtepSubnet6 = try prefix().network
        case "ipv6":
            switch value {
            case "on":
                settings.subnet6 = settings.subnet6 ?? OverlaySettings.defaultSubnet6
                settings.vtepSubnet6 = settings.vtepSubnet6 ?? OverlaySettings.defaultVTEPSubnet6
            case "off": (settings.subnet6, settings.vtepSubnet6) = (nil, nil)
            default: throw SettingError("--overlays: ipv6=\(value) in overlay \(name): use on or off")
            }
        default:
            throw SettingError("--overlays: unknown key \"\(key)\" in overlay \(name) (known: subnet, host-prefix, vtep-subnet, vni, port, mtu, table, ipv6, subnet6, host-prefix6, vtep-subnet6)")
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
