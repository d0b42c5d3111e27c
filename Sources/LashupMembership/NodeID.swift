import LashupWire

/// A node's stable name in the cluster (unique; by convention the host name).
///
/// Node ids key most of the protocol's tables (views, routes, broadcast trees, records), so
/// each carries a 64-bit digest of its name, computed once when it is made: hashing feeds
/// the digest instead of the string, and unequal ids nearly always differ there, so
/// comparing two for equality rarely reads their names. Hashing whole strings on every
/// table operation was an eighth of a 400-node simulation.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Longest accepted name, in UTF-8 bytes.
    public static let maximumBytes = 255

    public let name: String
    /// FNV-1a of the name's UTF-8 bytes: the same in every process (a `Hasher` seeds itself
    /// per process), which matters only for speed, never for order or output.
    private let digest: UInt64

    public init(_ name: String) {
        self.name = name
        digest = NodeID.digest(of: name)
    }

    public init(stringLiteral value: String) { self.init(value) }

    private static func digest(of name: String) -> UInt64 {
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            digest = (digest ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return digest
    }

    public static func == (lhs: NodeID, rhs: NodeID) -> Bool {
        lhs.digest == rhs.digest && lhs.name == rhs.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    /// Byte order of the UTF-8 names, the same on every node whatever its locale. Sorting by
    /// id happens on every digest and route change, so native strings compare their bytes
    /// in place instead of through the generic sequence comparison (no libc in a core).
    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        let fast = lhs.name.utf8.withContiguousStorageIfAvailable { left in
            rhs.name.utf8.withContiguousStorageIfAvailable { right in
                let common = min(left.count, right.count)
                var index = 0
                while index < common {
                    if left[index] != right[index] { return left[index] < right[index] }
                    index += 1
                }
                return left.count < right.count
            }
        }
        if let fast = fast ?? nil { return fast }
        return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
    }
    public var description: String { name }

    /// A fixed total order that is cheap to compute: by the names' digests, then by name.
    /// Where only a deterministic order matters (a digest's entries), not the names' order,
    /// sorting 1 000 members this way compares integers instead of strings.
    public func precedesInDigestOrder(_ other: NodeID) -> Bool {
        digest != other.digest ? digest < other.digest : self < other
    }
}

extension Array where Element == NodeID {
    /// The ids in ascending order: as they are when already sorted (a record's view always
    /// is, unless damaged), which is checked in one pass instead of sorting again.
    public func sortedIfNeeded() -> [NodeID] {
        var index = 1
        while index < count {
            if self[index] < self[index - 1] { return sorted() }
            index += 1
        }
        return self
    }
}

extension NodeID {
    /// Reads a node name, refusing empty or over-long ones: every decoder of a node id uses
    /// this, so the bound is the same everywhere.
    public static func read(from reader: inout WireReader, _ field: String) throws(WireError) -> NodeID {
        let name = try reader.readString(field)
        guard !name.isEmpty, name.utf8.count <= NodeID.maximumBytes else {
            throw .invalidValue(field: field, reason: "node names are 1...\(NodeID.maximumBytes) bytes")
        }
        return NodeID(name)
    }
}

/// A node and the address other nodes reach it at (for the runtime, `host:port`; in the
/// simulator, any label). Two peers are the same node when their ids are equal.
public struct Peer: Hashable, Sendable, CustomStringConvertible {
    public let id: NodeID
    public let address: String

    public init(id: NodeID, address: String) {
        self.id = id
        self.address = address
    }

    /// A peer whose address is its name, as the simulator uses.
    public init(_ name: String) {
        self.init(id: NodeID(name), address: name)
    }

    public var description: String { id.name == address ? id.name : "\(id.name)@\(address)" }
}

extension Peer: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeString(id.name)
        writer.writeString(address)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let id = try NodeID.read(from: &reader, "peer.id")
        let address = try reader.readString("peer.address")
        guard address.utf8.count <= 1024 else {
            throw .invalidValue(field: "peer.address", reason: "longer than 1024 bytes")
        }
        self.init(id: id, address: address)
    }
}
