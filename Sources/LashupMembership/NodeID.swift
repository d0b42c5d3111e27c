import LashupWire

/// A node's stable name in the cluster (unique; by convention the host name).
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Longest accepted name, in UTF-8 bytes.
    public static let maximumBytes = 255

    public let name: String

    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }

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
