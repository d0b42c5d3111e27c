/// Our nftables table as it should be: its sets and maps (with their elements) and its chains
/// (with their rules), in nft's own syntax. A service describes it; `NFTables.apply` makes the
/// kernel hold it, touching no other table.
///
/// Elements are compared as nft prints them back, so write them canonically: decimal numbers,
/// addresses as `IPAddress.description` prints them, protocols by name (`tcp`, `udp`: nft prints
/// `inet_proto` values that way), concatenations as `a . b . c`, prefixes as `10.0.0.0/8`, map
/// entries as key and value.
public struct NFTRuleset: Sendable, Hashable {
    /// `inet`, `ip`, `ip6`.
    public var family: String
    public var table: String
    public var sets: [NFTSet]
    public var maps: [NFTMap]
    public var chains: [NFTChain]

    public init(family: String = "inet", table: String = "lashup", sets: [NFTSet] = [], maps: [NFTMap] = [], chains: [NFTChain] = []) {
        self.family = family
        self.table = table
        self.sets = sets
        self.maps = maps
        self.chains = chains
    }

    /// Everything but the elements: when only elements differ, a change is a few element
    /// adds and deletes instead of a new table.
    public var structure: NFTRuleset {
        var copy = self
        for index in copy.sets.indices { copy.sets[index].elements = [] }
        for index in copy.maps.indices { copy.maps[index].elements = [:] }
        return copy
    }
}

/// A named set: `type` (`ipv4_addr`, `inet_service`, `ipv4_addr . inet_proto . inet_service`, or
/// by expression: `typeof ip daddr . th dport`),
/// optional flags (`interval`), and its elements.
public struct NFTSet: Sendable, Hashable {
    public var name: String
    public var type: String
    public var flags: [String]
    public var elements: Set<String>

    public init(name: String, type: String, flags: [String] = [], elements: Set<String> = []) {
        self.name = name
        self.type = type
        self.flags = flags
        self.elements = elements
    }
}

/// A named map from `keyType` to `valueType` (a verdict map when `valueType` is `verdict`).
public struct NFTMap: Sendable, Hashable {
    public var name: String
    public var keyType: String
    public var valueType: String
    public var flags: [String]
    public var elements: [String: String]

    public init(name: String, keyType: String, valueType: String, flags: [String] = [], elements: [String: String] = [:]) {
        self.name = name
        self.keyType = keyType
        self.valueType = valueType
        self.flags = flags
        self.elements = elements
    }
}

/// A chain; a base chain has a `hook` (with its type, priority and policy).
public struct NFTChain: Sendable, Hashable {
    public var name: String
    public var hook: Hook?
    public var rules: [String]

    public struct Hook: Sendable, Hashable {
        /// `filter`, `nat`, `route`.
        public var type: String
        /// `prerouting`, `input`, `output`, `postrouting`, `forward`.
        public var hook: String
        public var priority: Int
        /// `accept` or `drop`.
        public var policy: String

        public init(type: String, hook: String, priority: Int, policy: String = "accept") {
            self.type = type
            self.hook = hook
            self.priority = priority
            self.policy = policy
        }
    }

    public init(name: String, hook: Hook? = nil, rules: [String] = []) {
        self.name = name
        self.hook = hook
        self.rules = rules
    }
}
