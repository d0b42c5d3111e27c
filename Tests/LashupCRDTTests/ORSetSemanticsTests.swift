import LashupCRDT
import LashupTestSupport
import PropertyBased
import Testing

@Suite("OR-set semantics", .onDedicatedThread)
struct ORSetSemanticsTests {
    let a: ReplicaID = "a", b: ReplicaID = "b"

    @Test("a concurrent add beats a remove (add wins)")
    func addWins() {
        var left = Causal<ORSet>()
        left.add("web", by: a)
        var right = left
        let removal = left.remove("web")
        let readd = right.add("web", by: b)
        left.merge(readd)
        right.merge(removal)
        #expect(left == right)
        #expect(left.store.contains("web"))
    }

    @Test("a remove that observed the add removes the element everywhere")
    func observedRemove() {
        var left = Causal<ORSet>()
        var right = Causal<ORSet>()
        right.merge(left.add("x", by: a))
        right.merge(left.add("y", by: a))
        left.merge(right.remove("x"))
        #expect(left.store.values == ["y"])
        #expect(right.store.values == ["y"])
    }

    @Test("removing an absent element is an empty delta")
    func removeAbsent() {
        var set = Causal<ORSet>()
        set.add("x", by: a)
        #expect(set.remove("nope").isEmptyDelta)
        #expect(set.store.values == ["x"])
    }

    @Test("re-adding keeps one dot per element")
    func readdReplacesDots() {
        var set = Causal<ORSet>()
        for _ in 0..<10 { set.add("x", by: a) }
        #expect(set.store.dotCount == 1)
    }

    /// The OR-set specification checked against the operation log: an element is present after
    /// convergence exactly when some add of it produced a dot that no later operation observed
    /// and discarded. And a remove that observed every add of an element so far, followed by no
    /// further add anywhere, leaves the element absent: a removed element never comes back
    /// without a new add.
    @Test("converged contents match the specification computed from the log")
    func specification() async {
        await propertyCheck(input: Gen.int(in: 0...1_000_000).array(of: 1...80), Gen.int(in: 3...5)) { script, replicas in
            var history = ReplicatedHistory(replicas: replicas, mutator: Mutators.orSet)
            history.run(script: script, mutator: Mutators.orSet)
            history.drain(seed: script.count)
            let final = history.states[0].store

            var addDots: [Value: Set<Dot>] = [:]
            var discarded = Set<Dot>()
            for record in history.mutations {
                for (element, dots) in record.delta.store.elements.entries {
                    addDots[element, default: []].formUnion(dots.dots)
                }
                var held = Set<Dot>()
                record.delta.store.forEachDot { held.insert($0) }
                record.before.store.forEachDot { dot in
                    if record.delta.context.contains(dot) && !held.contains(dot) { discarded.insert(dot) }
                }
            }
            let elements = Set(addDots.keys).union(final.values)
            for element in elements {
                let alive = addDots[element, default: []].subtracting(discarded)
                #expect(final.contains(element) == !alive.isEmpty, "\(element)")
            }

            for (index, record) in history.mutations.enumerated() {
                guard record.delta.store.isEmpty, !record.delta.context.isEmpty else { continue }
                for element in record.before.store.values where !record.after.store.contains(element) {
                    let earlierDots = history.mutations[..<index].flatMap { Array($0.delta.store.elements[element]?.dots ?? []) }
                    let observedAll = earlierDots.allSatisfy { record.delta.context.contains($0) }
                    let laterAdd = history.mutations[(index + 1)...].contains { $0.delta.store.contains(element) }
                    if observedAll && !laterAdd {
                        #expect(!final.contains(element), "\(element) came back without a new add")
                    }
                }
            }
        }
    }
}
