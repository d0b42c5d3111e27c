import LashupCRDT
import LashupWire

/// The replication payload of one update: the key and the delta of its value. This is what
/// the store broadcasts (on `KeyDelta.topic`) after every acknowledged write, so its size is
/// proportional to the change, never to the value.
public struct KeyDelta: Sendable, Equatable, WireCodable {
    /// The broadcast topic store deltas travel on.
    public static let topic = "lashup.kv"

    public var key: Key
    public var delta: Causal<ORMap>

    public init(key: Key, delta: Causal<ORMap>) {
        self.key = key
        self.delta = delta
    }

    public func encode(to writer: inout WireWriter) {
        key.encode(to: &writer)
        delta.encode(to: &writer)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        key = try Key(from: &reader)
        delta = try Causal<ORMap>(from: &reader)
    }
}
