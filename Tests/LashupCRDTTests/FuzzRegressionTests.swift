import LashupCRDT
import LashupTestSupport
import LashupWire
import Testing

/// Inputs that crashed the fuzz targets (`scripts/fuzz`, `Fuzz/Sources/FuzzCRDT`): a counter at
/// `UInt64.max` overflowed `+ 1` in `CausalContext` when writing, merging or decoding. The same
/// bytes reach a node inside a `KeyDelta` gossip payload or an anti-entropy `states` frame.
/// Decoders now refuse counters above `Dot.maximumCounter` (2^62).
@Suite("CRDT fuzz regressions", .onDedicatedThread)
struct FuzzRegressionTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    /// Refused for the counter bound, not for some other malformation.
    static func isCounterLimit(_ error: any Error) -> Bool {
        guard case let .limitExceeded(_, _, limit)? = error as? WireError else { return false }
        return limit == Dot.maximumCounter
    }

    /// Replicas ["a"], version vector a:2^64−2, cloud [a:2^64−1]: inserting the cloud dot
    /// closes the gap, and `compact` computes 2^64−1 + 1 (CausalContext.swift:94) while
    /// decoding.
    @Test("a cloud dot at UInt64.max is refused, not a trap in the decoder")
    func cloudDotAtMaximum() {
        let input = Self.bytes("0101610100feffffffffffffffff010100ffffffffffffffffff0100")
        #expect { try Causal<ORSet>(decoding: input) } throws: { Self.isCounterLimit($0) }
    }

    /// Replicas ["a", "b"], version vector a:2^64−1, cloud [b:5]: decodes; joining it into
    /// any state computes 2^64−1 + 1 in `compact` (CausalContext.swift:94, from `merge`).
    @Test("joining a delta whose version vector is at UInt64.max does not trap")
    func joinVersionVectorAtMaximum() {
        let input = Self.bytes("02016101620100ffffffffffffffffff0101010500")
        // Counters above Dot.maximumCounter are refused when decoding.
        #expect { try Causal<ORSet>(decoding: input) } throws: { Self.isCounterLimit($0) }
    }

    /// Found by FuzzCRDT (Fuzz/Artifacts/FuzzCRDT-crash-0b94289790de0e4a438925e36812aa2052da8745:
    /// selector 01, then 01027231 0100ffffffffffffffffff01 02 0005 0003 00 as Causal<ORSet>; and
    /// FuzzCRDT-crash-9aab4a5afb9a20ff825c4f555344e33753e1d558 as Causal<ORMap>). Minimised:
    /// replicas ["a"], version vector a:2^64−1, nothing else. It decodes and joins;
    /// the next write as "a" computes 2^64−1 + 1 in `nextDot` (CausalContext.swift:64). A peer
    /// that sends this naming another node's replica id makes that node trap on its next write.
    @Test("writing after joining a delta that puts the writer at UInt64.max does not trap")
    func writeAfterVersionVectorAtMaximum() {
        let input = Self.bytes("01016101 00ffffffffffffffffff01 00 00".filter { $0 != " " })
        #expect { try Causal<ORSet>(decoding: input) } throws: { Self.isCounterLimit($0) }
    }
}
