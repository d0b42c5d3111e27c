import LashupCRDT
import LashupTestSupport
import PropertyBased
import Testing

/// Random operations on 3–5 replicas, delivered late, out of order and duplicated, with
/// occasional full-state exchanges: once every delta has arrived, all replicas are equal.
@Suite("Convergence under reordering and duplication", .onDedicatedThread)
struct ConvergenceTests {
    static let scripts = Gen.int(in: 0...1_000_000).array(of: 1...80)
    static let replicaCounts = Gen.int(in: 3...5)

    func converge<Store: DotStore>(_ mutator: Mutator<Store>, script: [Int], replicas: Int) -> ReplicatedHistory<Store> {
        var history = ReplicatedHistory(replicas: replicas, mutator: mutator)
        history.run(script: script, mutator: mutator)
        history.drain(seed: script.first ?? 0)
        #expect(history.invariantViolations.isEmpty, "\(history.invariantViolations.prefix(3))")
        #expect(history.states[0].invariantViolations().isEmpty)
        for state in history.states.dropFirst() {
            #expect(state == history.states[0], "replicas diverged")
        }
        return history
    }

    @Test("OR-set replicas converge") func orSet() async {
        await propertyCheck(input: Self.scripts, Self.replicaCounts) { script, replicas in
            _ = converge(Mutators.orSet, script: script, replicas: replicas)
        }
    }

    @Test("flag replicas converge") func flag() async {
        await propertyCheck(input: Self.scripts, Self.replicaCounts) { script, replicas in
            _ = converge(Mutators.flag, script: script, replicas: replicas)
        }
    }

    @Test("LWW register replicas converge on the highest write") func register() async {
        await propertyCheck(input: Self.scripts, Self.replicaCounts) { script, replicas in
            let history = converge(Mutators.register, script: script, replicas: replicas)
            // Model: the winner is the highest (timestamp, value, writer) among writes that took
            // effect; a write that would have lost locally is a no-op by design.
            let effective = history.mutations.compactMap { record -> (UInt64, Value, ReplicaID)? in
                guard let (dot, entry) = record.delta.store.entries.entries.first else { return nil }
                return (entry.timestamp, entry.value, dot.replica)
            }
            let expected = effective.max { $0 < $1 }
            #expect(history.states[0].store.value == expected?.1)
            #expect(history.states[0].store.timestamp == expected?.0)
        }
    }

    @Test("counter replicas converge on the sum of every increment") func counter() async {
        await propertyCheck(input: Self.scripts, Self.replicaCounts) { script, replicas in
            let history = converge(Mutators.counter, script: script, replicas: replicas)
            let sum = history.mutations.reduce(Int64(0)) { total, record in
                total + record.after.store.value - record.before.store.value
            }
            #expect(history.states[0].store.value == sum)
        }
    }

    @Test("map replicas converge") func map() async {
        await propertyCheck(input: Self.scripts, Self.replicaCounts) { script, replicas in
            _ = converge(Mutators.map, script: script, replicas: replicas)
        }
    }
}
