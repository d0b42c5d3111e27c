import LashupWire

/// The identity of a writer of replicated state: the "actor" of a version vector.
///
/// A replica must never issue the same dot twice. A node that loses its disk and comes back
/// under the same name would do exactly that, so the store builds a replica id from the node
/// and its persisted incarnation (for example `"node-a#7"`), never from the name alone.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Longest accepted identifier, in UTF-8 bytes.
    public static let maximumBytes = 255

    public let name: String

    /// - Precondition: `name` is 1...255 UTF-8 bytes. Use `init(validating:)` for input that
    ///   comes from outside the process.
    public init(_ name: String) {
        precondition(!name.isEmpty && name.utf8.count <= ReplicaID.maximumBytes, "replica id must be 1...255 bytes")
        self.name = name
    }

    /// Checks the length instead of trapping; `nil` for an empty or over-long name.
    public init?(validating name: String) {
        guard !name.isEmpty, name.utf8.count <= ReplicaID.maximumBytes else { return nil }
        self.name = name
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { name }

    public static func == (lhs: ReplicaID, rhs: ReplicaID) -> Bool { ByteOrderedString.equal(lhs.name, rhs.name) }
    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { ByteOrderedString.less(lhs.name, rhs.name) }
    public func hash(into hasher: inout Hasher) { ByteOrderedString.hash(name, into: &hasher) }
}

extension ReplicaID: WireCodable {
    public func encode(to writer: inout WireWriter) { writer.writeString(name) }

    public init(from reader: inout WireReader) throws(WireError) {
        let name = try reader.readString("replica")
        guard let id = ReplicaID(validating: name) else {
            throw .invalidValue(field: "replica", reason: "must be 1...\(ReplicaID.maximumBytes) bytes, got \(name.utf8.count)")
        }
        self = id
    }
}
