import LashupCRDT
import LashupTestSupport
import PropertyBased
import Testing

@Suite("Version vectors and causal contexts", .onDedicatedThread)
struct CausalContextTests {
    let a: ReplicaID = "a", b: ReplicaID = "b"

    @Test("version vectors order histories")
    func versionVectorOrder() {
        let base = VersionVector([a: 2, b: 1])
        #expect(base.compare(to: base) == .equal)
        #expect(base.compare(to: VersionVector([a: 3, b: 1])) == .before)
        #expect(base.compare(to: VersionVector([a: 2])) == .after)
        #expect(base.compare(to: VersionVector([a: 1, b: 2])) == .concurrent)
        #expect(base.compare(to: VersionVector([a: 2, b: 1, "c": 1])) == .before)
        #expect(base.merged(VersionVector([a: 1, b: 5])) == VersionVector([a: 2, b: 5]))
    }

    @Test("out-of-order dots wait in the cloud and compact when the gap closes")
    func cloudCompaction() {
        var context = CausalContext()
        context.insert(Dot(a, 1))
        context.insert(Dot(a, 3))
        context.insert(Dot(a, 4))
        #expect(context.versionVector[a] == 1)
        #expect(context.cloud == [Dot(a, 3), Dot(a, 4)])
        #expect(context.contains(Dot(a, 4)) && !context.contains(Dot(a, 2)))
        #expect(context.nextDot(for: a) == Dot(a, 5))
        context.insert(Dot(a, 2))
        #expect(context.versionVector[a] == 4)
        #expect(context.cloud.isEmpty)
    }

    @Test("merging contexts is the union of their dots, in canonical form")
    func mergeIsUnion() async {
        let dots = Gen.int(in: 0...1).map { $0 == 0 ? ReplicaID("a") : ReplicaID("b") }
        let dotList = zip(dots, Gen.uint64(in: 1...12)).map { Dot($0, $1) }.array(of: 0...20)
        await propertyCheck(input: dotList, dotList) { left, right in
            var x = CausalContext(), y = CausalContext()
            left.forEach { x.insert($0) }
            right.forEach { y.insert($0) }
            let merged = x.merged(y)
            #expect(merged == y.merged(x))
            var direct = CausalContext()
            (left + right).reversed().forEach { direct.insert($0) }
            #expect(merged == direct, "canonical form does not depend on insertion order")
            for replica in [ReplicaID("a"), ReplicaID("b")] {
                for counter in UInt64(1)...13 {
                    let dot = Dot(replica, counter)
                    #expect(merged.contains(dot) == (left.contains(dot) || right.contains(dot)))
                }
            }
            for dot in merged.cloud {
                #expect(dot.counter > merged.versionVector[dot.replica] + 1, "cloud holds only true gaps")
            }
        }
    }
}
