import LashupCRDT
import LashupTestSupport
import PropertyBased
import Testing

/// The semilattice laws and the delta-state laws, for every replicated type, over states
/// reached by random concurrent histories.
@Suite("Lattice and delta laws", .onDedicatedThread)
struct LatticePropertyTests {
    static let scripts = Gen.int(in: 0...1_000_000).array(of: 1...40)

    func checkLaws<Store: DotStore>(_ mutator: Mutator<Store>, script: [Int]) {
        var history = ReplicatedHistory(replicas: 3, mutator: mutator)
        history.run(script: script, mutator: mutator)
        let a = history.states[0], b = history.states[1], c = history.states[2]

        #expect(a.merged(b) == b.merged(a), "merge is commutative")
        #expect(a.merged(b).merged(c) == a.merged(b.merged(c)), "merge is associative")
        #expect(a.merged(a) == a, "merge is idempotent")
        #expect(a.merged(mutator.bottom) == a, "bottom is the identity")
        #expect(history.deltaLawViolations.isEmpty, "\(history.deltaLawViolations)")
        #expect(history.invariantViolations.isEmpty, "\(history.invariantViolations.prefix(3))")
        for record in history.mutations {
            #expect(record.before.merged(record.delta) == record.after, "S ⊔ mδ(S) == m(S)")
        }
        // Joining all deltas from the bottom equals joining all final states.
        let allStates = history.states.reduce(mutator.bottom) { $0.merged($1) }
        let fullyDelivered = { var copy = history; copy.drain(seed: script.count); return copy }()
        #expect(history.joinOfAllDeltas(bottom: mutator.bottom) == allStates.merged(fullyDelivered.states[0]))
    }

    @Test("OR-set") func orSet() async {
        await propertyCheck(input: Self.scripts) { script in checkLaws(Mutators.orSet, script: script) }
    }

    @Test("enable-wins flag") func flag() async {
        await propertyCheck(input: Self.scripts) { script in checkLaws(Mutators.flag, script: script) }
    }

    @Test("LWW register") func register() async {
        await propertyCheck(input: Self.scripts) { script in checkLaws(Mutators.register, script: script) }
    }

    @Test("PN counter") func counter() async {
        await propertyCheck(input: Self.scripts) { script in checkLaws(Mutators.counter, script: script) }
    }

    @Test("OR-map with nested fields") func map() async {
        await propertyCheck(input: Self.scripts) { script in checkLaws(Mutators.map, script: script) }
    }
}
