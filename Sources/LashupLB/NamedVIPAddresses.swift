import LashupCRDT

/// The addresses of named VIPs, derived the same way on every node from the replicated state.
///
/// A name's address is an index into the VIP ranges: IPv4 `11.0.0.0 + index` (up to
/// 11.255.255.254) and IPv6 `fd01:c:: + index`, so one index gives both families. The first
/// agent to publish a backend for a name *claims* an index: the first free one from a hash of
/// the name, by linear probing over every address it knows is in use, and writes the claim
/// into the VIP's key. From then on the claim is the address, whatever else comes and goes.
///
/// Only names created concurrently (a partition, or a race before either claim replicated)
/// can claim one index twice; then the name that sorts first keeps it on every node, and the
/// other takes the first free index from its own hash, which its agents then write as its new
/// claim. That one move is the price of allocating without coordination; nothing else moves
/// an existing VIP. (The original allocated on each node from its own history, and nodes
/// disagreed for the VIP's whole life.)
public enum NamedVIPAddresses {
    /// The DNS zone named VIPs are served in.
    public static let zone = "l4lb.thisdcos.directory"
    /// Indices 0 ..< capacity: 11.0.0.0 through 11.255.255.254.
    public static let capacity: UInt32 = (1 << 24) - 1
    static let ipv4Base: UInt32 = 11 << 24
    /// fd01:000c:0000:0000 — the /64 the IPv6 addresses live in.
    static let ipv6Prefix: UInt64 = 0xFD01_000C_0000_0000

    public static func ipv4(_ index: UInt32) -> IPAddress { .v4(ipv4Base + index) }
    public static func ipv6(_ index: UInt32) -> IPAddress { .v6(high: ipv6Prefix, low: UInt64(index)) }

    /// The index an address stands for, when it is one of ours (either family).
    public static func index(of address: IPAddress) -> UInt32? {
        switch address {
        case let .v4(value):
            guard value >> 24 == 11, value - ipv4Base < capacity else { return nil }
            return value - ipv4Base
        case let .v6(high, low):
            guard high == ipv6Prefix, low < UInt64(capacity) else { return nil }
            return UInt32(low)
        }
    }

    /// Where probing for `name` starts: FNV-1a of its UTF-8 bytes (the same on every platform
    /// and in every process, unlike `Hasher`).
    public static func preferredIndex(_ name: String) -> UInt32 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return UInt32(hash % UInt64(capacity))
    }

    /// The address of every name. `claims` holds, for each named VIP, the indices its keys
    /// claim (empty when none has been written yet); of several, the smallest counts.
    /// `reserved` are indices used otherwise (address VIPs inside the range): never given to
    /// a name without a claim, but a claim keeps its index even against one, since a named
    /// VIP's address must not move. Missing for a name only when the range is full.
    public static func resolve(claims: [String: Set<UInt32>], reserved: Set<UInt32> = []) -> [String: UInt32] {
        var taken: Set<UInt32> = []
        var result: [String: UInt32] = [:]
        var unplaced: [String] = []
        let names = claims.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for name in names {
            guard let claim = claims[name]?.filter({ $0 < capacity }).min(), !taken.contains(claim) else {
                unplaced.append(name)
                continue
            }
            taken.insert(claim)
            result[name] = claim
        }
        taken.formUnion(reserved)
        for name in unplaced {
            guard let index = firstFree(from: preferredIndex(name), taken: taken) else { continue }
            taken.insert(index)
            result[name] = index
        }
        return result
    }

    /// The first index at or after `start` (wrapping) not in `taken`; nil when all are taken.
    static func firstFree(from start: UInt32, taken: Set<UInt32>) -> UInt32? {
        guard taken.count < Int(capacity) else { return nil }
        var index = start
        while taken.contains(index) { index = index + 1 == capacity ? 0 : index + 1 }
        return index
    }
}
