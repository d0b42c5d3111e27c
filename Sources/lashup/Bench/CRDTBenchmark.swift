import LashupCRDT
import LashupWire
import NIOCore

/// The figures of `lashup bench crdt`.
struct CRDTFigures {
    var setSize: Int
    var mapFields: Int
    var addOperationsPerSecond: Double
    var remoteDeltaJoinsPerSecond: Double
    var mergesPerSecond: Double
    var mapEncodesPerSecond: Double
    var mapDecodesPerSecond: Double
    var mapEncodedBytes: Int
    var addDeltaBytes: Int
    var setStateBytes: Int
    var buildMode: String

    var table: String {
        func rate(_ value: Double) -> String { String(Int(value.rounded())) }
        let rows: [(String, String)] = [
            ("add to a \(setSize)-element OR-set", rate(addOperationsPerSecond) + " ops/s"),
            ("join a remote add delta into a \(setSize)-element OR-set", rate(remoteDeltaJoinsPerSecond) + " ops/s"),
            ("merge two \(setSize)-element OR-sets (full state)", rate(mergesPerSecond) + " merges/s"),
            ("encode a \(mapFields)-field map (\(mapEncodedBytes) bytes)", rate(mapEncodesPerSecond) + " ops/s"),
            ("decode a \(mapFields)-field map", rate(mapDecodesPerSecond) + " ops/s"),
            ("encoded delta of one add to a \(setSize)-element OR-set", "\(addDeltaBytes) bytes"),
            ("encoded state of that OR-set, for contrast", "\(setStateBytes) bytes"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        var lines = rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }
        lines.append("(\(buildMode) build)")
        return lines.joined(separator: "\n")
    }

    var json: String {
        let fields: [(String, String)] = [
            ("set_size", "\(setSize)"),
            ("map_fields", "\(mapFields)"),
            ("orset_add_ops_per_second", "\(Int(addOperationsPerSecond))"),
            ("orset_remote_delta_joins_per_second", "\(Int(remoteDeltaJoinsPerSecond))"),
            ("orset_merges_per_second", "\(Int(mergesPerSecond))"),
            ("map_encodes_per_second", "\(Int(mapEncodesPerSecond))"),
            ("map_decodes_per_second", "\(Int(mapDecodesPerSecond))"),
            ("map_encoded_bytes", "\(mapEncodedBytes)"),
            ("orset_add_delta_bytes", "\(addDeltaBytes)"),
            ("orset_state_bytes", "\(setStateBytes)"),
            ("build", "\"\(buildMode)\""),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}

/// Builds realistic states (backends as `(ip, port)` tuples, fields of every type) and times
/// the operations the replicated store performs most.
struct CRDTBenchmark {
    var setSize: Int
    var mapFields: Int
    var minimumDuration: Duration

    func run() throws -> CRDTFigures {
        let stopwatch = Stopwatch(minimumDuration: minimumDuration)
        let writer: ReplicaID = "bench-node-1#1"
        let peer: ReplicaID = "bench-node-2#1"

        var base = Causal<ORSet>()
        for index in 0..<setSize { base.add(backend(index), by: writer) }

        // Adds of fresh elements; the set grows from setSize by the number of adds timed.
        var growing = base
        let addRate = stopwatch.operationsPerSecond { index in
            growing.add(backend(setSize + index), by: writer)
        }

        // The receiving side of replication: a peer's one-element delta joined into our set.
        var source = base
        let remoteDeltas = (0..<4096).map { source.add(backend(2 * setSize + $0), by: peer) }
        var receiver = base
        let joinRate = stopwatch.operationsPerSecond { index in
            receiver.merge(remoteDeltas[index % remoteDeltas.count])
        }

        // Full-state merge of two replicas that each hold setSize elements, half shared.
        var other = Causal<ORSet>()
        for index in (setSize / 2)..<(setSize / 2 + setSize) { other.add(backend(index), by: peer) }
        var mergedCount = 0
        let mergeRate = stopwatch.operationsPerSecond { _ in
            mergedCount &+= base.merged(other).store.count
        }
        precondition(mergedCount > 0)

        let map = makeMap()
        let encoded = map.encodedBuffer()
        var encodedBytes = 0
        let encodeRate = stopwatch.operationsPerSecond { _ in
            encodedBytes = map.encodedBuffer().readableBytes
        }
        let decodeRate = try stopwatch.operationsPerSecond { _ in
            let decoded = try Causal<ORMap>(decoding: encoded)
            precondition(decoded.store.count == mapFields)
        }

        var sized = base
        let delta = sized.add("10.99.99.99:8080", by: writer)

        #if DEBUG
        let buildMode = "debug"
        #else
        let buildMode = "release"
        #endif
        return CRDTFigures(
            setSize: setSize, mapFields: mapFields,
            addOperationsPerSecond: addRate, remoteDeltaJoinsPerSecond: joinRate, mergesPerSecond: mergeRate,
            mapEncodesPerSecond: encodeRate, mapDecodesPerSecond: decodeRate, mapEncodedBytes: encodedBytes,
            addDeltaBytes: delta.encodedBytes().count, setStateBytes: base.encodedBytes().count,
            buildMode: buildMode
        )
    }

    private func backend(_ index: Int) -> Value {
        .tuple([.ipAddress(.v4(0x0A00_0000 | UInt32(truncatingIfNeeded: index))), .integer(Int64(8000 + index % 1000))])
    }

    /// A map whose fields cycle through every embedded type, written by three replicas.
    private func makeMap() -> Causal<ORMap> {
        var map = Causal<ORMap>()
        let replicas: [ReplicaID] = ["node-a#1", "node-b#1", "node-c#1"]
        for index in 0..<mapFields {
            let name: Value = .string("field-\(index)")
            let operation: FieldOperation
            switch index % 4 {
            case 0: operation = .assign(.string("value-\(index)"), timestamp: UInt64(index))
            case 1: operation = .add(backend(index))
            case 2: operation = .increment(Int64(index))
            default: operation = .enable
            }
            map.apply([.update(name, operation)], by: replicas[index % replicas.count])
        }
        return map
    }
}
