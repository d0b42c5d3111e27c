import LashupStore
import LashupWire

/// The tombstones one node holds, as it reports them on `LashupNode.tombstoneTopic`.
struct TombstoneReport: WireCodable, Equatable {
    static let maximumEntries = 65_536
    var tombstones: [KeyDigest]

    init(tombstones: [KeyDigest]) {
        self.tombstones = tombstones
    }

    func encode(to writer: inout WireWriter) {
        writer.writeVarint(tombstones.count)
        for entry in tombstones {
            entry.key.encode(to: &writer)
            writer.writeUInt64(entry.digest)
        }
    }

    init(from reader: inout WireReader) throws(WireError) {
        let count = try reader.readCount("tombstones.count", minimumElementBytes: 10)
        guard count <= TombstoneReport.maximumEntries else {
            throw .limitExceeded(field: "tombstones.count", value: UInt64(count), limit: UInt64(TombstoneReport.maximumEntries))
        }
        var entries: [KeyDigest] = []
        for _ in 0..<count {
            let key = try Key(from: &reader)
            entries.append(KeyDigest(key: key, digest: try reader.readUInt64("tombstones.digest")))
        }
        tombstones = entries
    }
}
