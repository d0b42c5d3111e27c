import LashupCRDT
import LashupNetlink

/// One overlay network as every host of the cluster configures it (the original's defaults).
///
/// Hosts allocate *slots*: slot `k` is the host's subnet (the k-th /24 of 9.0.0.0/8), its VTEP
/// address (the k-th host address of 44.128.0.0/20), the VTEP MAC derived from that address,
/// and, with IPv6, the k-th /80 of the IPv6 subnet and the k-th VTEP IPv6 address. One number
/// per host keeps the four allocations consistent: they can never be held by different hosts.
public struct OverlaySettings: Sendable, Equatable {
    /// The overlay's name (`dcos`): letters, digits and `-`, at most 8 characters so the
    /// host bridge's name (`lashup-<name>`) fits the kernel's 15.
    public var name: String
    /// The containers' address space, split into one `hostPrefixLength` subnet per host.
    public var subnet: IPPrefix
    public var hostPrefixLength: UInt8
    /// The VTEP addresses' subnet (one host address per host).
    public var vtepSubnet: IPPrefix
    /// The first three bytes of every VTEP MAC; the last three are the VTEP address's low 24 bits.
    public var macPrefix: [UInt8]
    public var vni: UInt32
    public var port: UInt16
    /// The VXLAN device's name.
    public var device: String
    /// The overlay MTU; nil: the underlay's MTU minus VXLAN's 50 bytes.
    public var mtu: UInt32?
    public var subnet6: IPPrefix?
    public var hostPrefixLength6: UInt8
    public var vtepSubnet6: IPPrefix?
    /// The policy-routing table holding `<remote agent IP>/32 via <remote VTEP>` (the original's 42).
    public var routingTable: UInt32

    public init(name: String = "dcos", subnet: IPPrefix = IPPrefix("9.0.0.0/8")!, hostPrefixLength: UInt8 = 24,
                vtepSubnet: IPPrefix = IPPrefix("44.128.0.0/20")!, macPrefix: [UInt8] = [0x70, 0xB3, 0xD5],
                vni: UInt32 = 1024, port: UInt16 = 64000, device: String? = nil, mtu: UInt32? = nil,
                subnet6: IPPrefix? = nil, hostPrefixLength6: UInt8 = 80, vtepSubnet6: IPPrefix? = nil, routingTable: UInt32 = 42) {
        self.name = name
        self.subnet = subnet.network
        self.hostPrefixLength = hostPrefixLength
        self.vtepSubnet = vtepSubnet.network
        self.macPrefix = macPrefix
        self.vni = vni
        self.port = port
        self.device = device ?? "vtep\(vni)"
        self.mtu = mtu
        self.subnet6 = subnet6?.network
        self.hostPrefixLength6 = hostPrefixLength6
        self.vtepSubnet6 = vtepSubnet6?.network
        self.routingTable = routingTable
    }

    /// The default IPv6 addressing (fd01:b::/64 at /80 per host, VTEPs in fd01:a::/64).
    public static let defaultSubnet6 = IPPrefix("fd01:b::/64")!
    public static let defaultVTEPSubnet6 = IPPrefix("fd01:a::/64")!

    /// The host bridge containers attach to.
    public var bridge: String { "lashup-" + name }

    /// How many hosts the overlay can hold: the smallest of its address spaces. A /20 of
    /// VTEPs holds 4 094 (its network and broadcast addresses are never handed out).
    public var capacity: Int {
        var result = Self.count(bits: Int(hostPrefixLength) - Int(subnet.length))
        result = min(result, max(0, Self.count(bits: 32 - Int(vtepSubnet.length)) - 2))
        if let subnet6 { result = min(result, Self.count(bits: Int(hostPrefixLength6) - Int(subnet6.length))) }
        if let vtepSubnet6 { result = min(result, max(0, Self.count(bits: 128 - Int(vtepSubnet6.length)) - 2)) }
        return result
    }

    /// 2^bits, capped (a /64 of /80s is more slots than any cluster needs).
    static func count(bits: Int) -> Int { bits < 0 ? 0 : (bits >= 30 ? 1 << 30 : 1 << bits) }

    /// Checks what a bad flag or file could set; the message names the setting.
    public func validate() throws(OverlaySettingsError) {
        guard !name.isEmpty, name.count <= 8, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw OverlaySettingsError("overlay name \"\(name)\" must be 1 to 8 letters, digits or '-' (it names the bridge lashup-<name>)")
        }
        guard subnet.family == .v4, vtepSubnet.family == .v4 else { throw OverlaySettingsError("overlay \(name): the subnet and the VTEP subnet must be IPv4 (IPv6 has its own settings)") }
        guard hostPrefixLength > subnet.length, hostPrefixLength <= 30 else {
            throw OverlaySettingsError("overlay \(name): the per-host prefix /\(hostPrefixLength) must be longer than the subnet's /\(subnet.length) and at most /30")
        }
        guard vtepSubnet.length <= 30 else { throw OverlaySettingsError("overlay \(name): the VTEP subnet \(vtepSubnet) is too small") }
        guard macPrefix.count == 3 else { throw OverlaySettingsError("overlay \(name): the VTEP MAC prefix must be 3 bytes") }
        guard vni > 0, vni < 1 << 24 else { throw OverlaySettingsError("overlay \(name): VNI \(vni) is outside 1...16777215") }
        guard !device.isEmpty, device.utf8.count <= 15 else { throw OverlaySettingsError("overlay \(name): device name \(device) is longer than 15 bytes") }
        if let mtu, mtu < 1280 || mtu > 9000 { throw OverlaySettingsError("overlay \(name): MTU \(mtu) is outside 1280...9000") }
        if let subnet6 {
            guard subnet6.family == .v6, hostPrefixLength6 > subnet6.length, hostPrefixLength6 <= 120 else {
                throw OverlaySettingsError("overlay \(name): the IPv6 subnet \(subnet6) cannot be split at /\(hostPrefixLength6)")
            }
            guard vtepSubnet6?.family == .v6 else { throw OverlaySettingsError("overlay \(name): IPv6 needs an IPv6 VTEP subnet") }
        }
        guard capacity > 0 else { throw OverlaySettingsError("overlay \(name): its address spaces hold no host") }
    }

    // MARK: - What a slot is

    /// Host `slot`'s container subnet.
    public func hostSubnet(_ slot: Int) -> IPPrefix {
        guard case let .v4(base) = subnet.address else { preconditionFailure("validated: IPv4") }
        return IPPrefix(address: .v4(base &+ (UInt32(slot) << (32 - UInt32(hostPrefixLength)))), length: hostPrefixLength)!
    }

    /// The host's own address in its subnet: its bridge's, the containers' gateway (`.1`).
    public func gateway(_ slot: Int) -> IPAddress {
        guard case let .v4(network) = hostSubnet(slot).address else { preconditionFailure("IPv4") }
        return .v4(network &+ 1)
    }

    /// Host `slot`'s VTEP address (the VTEP subnet's `slot + 1`-th address).
    public func vtepAddress(_ slot: Int) -> IPAddress {
        guard case let .v4(base) = vtepSubnet.address else { preconditionFailure("validated: IPv4") }
        return .v4(base &+ UInt32(slot) &+ 1)
    }

    /// The VTEP MAC: the prefix and the VTEP address's low 24 bits.
    public func vtepMAC(_ slot: Int) -> MACAddress {
        guard case let .v4(address) = vtepAddress(slot) else { preconditionFailure("IPv4") }
        return MACAddress(bytes: macPrefix + [UInt8(truncatingIfNeeded: address >> 16), UInt8(truncatingIfNeeded: address >> 8), UInt8(truncatingIfNeeded: address)])!
    }

    public func hostSubnet6(_ slot: Int) -> IPPrefix? {
        guard let subnet6, case let .v6(high, low) = subnet6.address else { return nil }
        let (newHigh, newLow) = Self.add(high: high, low: low, value: UInt64(slot), shift: 128 - Int(hostPrefixLength6))
        return IPPrefix(address: .v6(high: newHigh, low: newLow), length: hostPrefixLength6)
    }

    public func gateway6(_ slot: Int) -> IPAddress? {
        guard let prefix = hostSubnet6(slot), case let .v6(high, low) = prefix.address else { return nil }
        return .v6(high: high, low: low &+ 1)
    }

    public func vtepAddress6(_ slot: Int) -> IPAddress? {
        guard let vtepSubnet6, case let .v6(high, low) = vtepSubnet6.address else { return nil }
        let (newHigh, newLow) = Self.add(high: high, low: low, value: UInt64(slot) + 1, shift: 0)
        return .v6(high: newHigh, low: newLow)
    }

    /// `(high, low) + value << shift` for a 128-bit address in two halves.
    static func add(high: UInt64, low: UInt64, value: UInt64, shift: Int) -> (UInt64, UInt64) {
        let lowPart: UInt64 = shift >= 64 ? 0 : value << UInt64(shift)
        let highPart: UInt64 = shift >= 64 ? value << UInt64(shift - 64) : (shift == 0 ? 0 : value >> UInt64(64 - shift))
        let (sum, overflow) = low.addingReportingOverflow(lowPart)
        return (high &+ highPart &+ (overflow ? 1 : 0), sum)
    }

    /// The slot whose subnet holds `address`, or nil.
    public func slot(holding address: IPAddress) -> Int? {
        guard subnet.contains(address), case let .v4(value) = address, case let .v4(base) = subnet.address else { return nil }
        let slot = Int((value &- base) >> (32 - UInt32(hostPrefixLength)))
        return slot < capacity ? slot : nil
    }
}

/// A setting that cannot describe an overlay; the message names it.
public struct OverlaySettingsError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
