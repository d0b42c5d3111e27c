import LashupCRDT

/// How a CRDT under test is mutated from a random script: given a state, the acting replica and
/// a random code, perform one operation and return its delta.
struct Mutator<Store: DotStore>: Sendable {
    var bottom: Causal<Store>
    var mutate: @Sendable (inout Causal<Store>, ReplicaID, Int) -> Causal<Store>
}

/// One mutation as it happened, for model checks.
struct MutationRecord<Store: DotStore> {
    var replica: Int
    var before: Causal<Store>
    var delta: Causal<Store>
    var after: Causal<Store>
    var step: Int
}

/// A history of several replicas driven by a random script: replicas mutate, ship each delta
/// to every other replica through an unordered network that may deliver late, reorder and
/// duplicate, and occasionally exchange full states. The script is the property's random
/// input, so a failing history shrinks to a short one.
struct ReplicatedHistory<Store: DotStore> {
    let replicaIDs: [ReplicaID]
    var states: [Causal<Store>]
    var inFlight: [(destination: Int, delta: Causal<Store>)] = []
    var mutations: [MutationRecord<Store>] = []
    /// Checks of the delta-mutator law made along the way: X ⊔ m(S) == (X ⊔ S) ⊔ mδ(S).
    var deltaLawViolations: [String] = []
    /// Broken invariants seen after any step, and dots issued twice.
    var invariantViolations: [String] = []

    init(replicas: Int, mutator: Mutator<Store>) {
        replicaIDs = (0..<replicas).map { ReplicaID("replica-\($0)") }
        states = Array(repeating: mutator.bottom, count: replicas)
    }

    mutating func run(script: [Int], mutator: Mutator<Store>) {
        for (step, code) in script.enumerated() {
            let action = code % 8
            let target = (code / 8) % states.count
            let detail = code / 64
            switch action {
            case 0...3:
                let before = states[target]
                let delta = mutator.mutate(&states[target], replicaIDs[target], detail)
                mutations.append(MutationRecord(replica: target, before: before, delta: delta, after: states[target], step: step))
                checkDeltaLaw(before: before, delta: delta, after: states[target], other: states[(target + 1 + detail) % states.count])
                delta.store.forEachDot { dot in
                    if before.context.contains(dot) { invariantViolations.append("step \(step): dot \(dot) issued twice") }
                }
                for destination in states.indices where destination != target {
                    inFlight.append((destination, delta))
                }
            case 4, 5:
                deliver(index: detail, keep: false)
            case 6:
                deliver(index: detail, keep: true)  // duplicate: delivered now, again later
            default:
                let source = (target + 1 + detail) % states.count
                states[target].merge(states[source])  // anti-entropy style full-state join
            }
            for state in states {
                invariantViolations += state.invariantViolations().map { "step \(step): \($0)" }
            }
        }
    }

    /// Delivers everything still in flight, in an order derived from the script.
    mutating func drain(seed: Int) {
        var cursor = seed
        while !inFlight.isEmpty {
            cursor = cursor &* 1_103_515_245 &+ 12_345
            deliver(index: abs(cursor >> 8), keep: false)
        }
    }

    private mutating func deliver(index: Int, keep: Bool) {
        guard !inFlight.isEmpty else { return }
        let position = index % inFlight.count
        let message = keep ? inFlight[position] : inFlight.remove(at: position)
        states[message.destination].merge(message.delta)
    }

    private mutating func checkDeltaLaw(before: Causal<Store>, delta: Causal<Store>, after: Causal<Store>, other: Causal<Store>) {
        let viaState = other.merged(after)
        let viaDelta = other.merged(before).merged(delta)
        if viaState != viaDelta {
            deltaLawViolations.append("X ⊔ m(S) != (X ⊔ S) ⊔ mδ(S) after \(mutations.count) mutations")
        }
    }

    /// The join of every delta ever produced, starting from the bottom.
    func joinOfAllDeltas(bottom: Causal<Store>) -> Causal<Store> {
        mutations.reduce(bottom) { $0.merged($1.delta) }
    }
}

/// Small value domains make concurrent operations on the same element likely.
enum Domain {
    static func element(_ code: Int) -> Value {
        switch code % 3 {
        case 0: .string(["a", "b", "c", "d"][code / 3 % 4])
        case 1: .integer(Int64(code / 3 % 4))
        default: .ipAddress(.v4(0x0A00_0000 | UInt32(code / 3 % 4)))
        }
    }

    static func fieldName(_ code: Int) -> Value { .string(["x", "y", "z"][code % 3]) }
}

/// Mutators for each replicated type.
enum Mutators {
    static let orSet = Mutator<ORSet>(bottom: Causal()) { state, replica, code in
        code % 3 == 2 ? state.remove(Domain.element(code / 3)) : state.add(Domain.element(code / 3), by: replica)
    }

    static let flag = Mutator<EnableWinsFlag>(bottom: Causal()) { state, replica, code in
        code % 2 == 0 ? state.enable(by: replica) : state.disable()
    }

    static let register = Mutator<LWWRegister>(bottom: Causal()) { state, replica, code in
        // Timestamps from a tiny range force ties, which must break the same way everywhere.
        state.assign(Domain.element(code / 4), timestamp: UInt64(code % 4), by: replica)
    }

    static let counter = Mutator<PNCounter>(bottom: Causal()) { state, replica, code in
        state.increment(by: Int64(code % 7) - 3, by: replica)
    }

    static let map = Mutator<ORMap>(bottom: Causal()) { state, replica, code in
        state.apply(mapOperations(code), by: replica)
    }

    /// One to three operations, some nested, some removes of fields that may be absent.
    static func mapOperations(_ code: Int) -> [MapOperation] {
        var operations: [MapOperation] = []
        var rest = code
        for _ in 0...(code % 3) {
            operations.append(mapOperation(rest, depth: 0))
            rest /= 5
        }
        return operations
    }

    private static func mapOperation(_ code: Int, depth: Int) -> MapOperation {
        let name = Domain.fieldName(code / 11)
        switch code % 11 {
        case 0: return .update(name, .assign(Domain.element(code / 3), timestamp: UInt64(code / 7 % 3)))
        case 1: return .update(name, .add(Domain.element(code / 13)))
        case 2: return .update(name, .remove(Domain.element(code / 13)))
        case 3: return .update(name, .enable)
        case 4: return .update(name, .disable)
        case 5: return .update(name, .increment(Int64(code / 17 % 5) - 2))
        case 6 where depth < 2: return .update(name, .update([mapOperation(code / 7, depth: depth + 1)]))
        case 7: return .remove(FieldKey(name, .set))
        case 8: return .remove(FieldKey(name, .counter))
        case 9: return .remove(FieldKey(name, .map))
        default: return .remove(FieldKey(name, .register))
        }
    }
}
