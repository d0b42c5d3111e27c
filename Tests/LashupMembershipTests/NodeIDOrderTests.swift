import LashupMembership
import PropertyBased
import Testing

@Suite("Node id orders")
struct NodeIDOrderTests {
    /// A digest's entries are sorted this way on every node, so the order must be total and
    /// must not depend on the order the members were learned in.
    @Test("digest order is a strict total order, whatever order the ids come in")
    func digestOrderIsTotal() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...5_000).array(of: 1...60)) { numbers in
            let ids = numbers.map { NodeID("host-\($0).example.internal") }
            for a in ids {
                #expect(!a.precedesInDigestOrder(a))
                for b in ids where a != b {
                    #expect(a.precedesInDigestOrder(b) != b.precedesInDigestOrder(a), "\(a) and \(b)")
                }
            }
            let sorted = ids.sorted { $0.precedesInDigestOrder($1) }
            #expect(ids.reversed().sorted { $0.precedesInDigestOrder($1) } == sorted)
            for (earlier, later) in zip(sorted, sorted.dropFirst()) {
                #expect(earlier == later || earlier.precedesInDigestOrder(later))
            }
        }
    }
}
