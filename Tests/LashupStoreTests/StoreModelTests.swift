import LashupCRDT
import LashupStore
import LashupTestSupport
import PropertyBased
import Testing

/// The store against a simple model: several replicas perform updates, deletes, reads and
/// subscription drains while their deltas are delivered in random order, some twice.
///
/// The model is the definition, not the algorithm: a counter is the sum of the increments a
/// replica has received (a writer's later increment carrying its earlier ones); an element is
/// present when some add of it has been received that no received re-add, remove or delete
/// had observed where it was issued (add wins over a concurrent remove).
@Suite("Store against a model", .onDedicatedThread)
struct StoreModelTests {
    enum Operation {
        /// `observed`: the adds of this element the replica had received (a re-add supersedes them).
        case add(key: Int, element: Int, observed: Set<Int>)
        /// `observed`: the adds of this element the replica had received.
        case remove(key: Int, element: Int, observed: Set<Int>)
        /// `observed`: every add to this key the replica knew of (see `knownAdds`).
        case delete(key: Int, observed: Set<Int>)
        case increment(key: Int, amount: Int64, by: Int)
    }

    struct Model {
        var operations: [Operation] = []
        /// Per replica, the operations it has received (its own included).
        var received: [Set<Int>]

        init(replicas: Int) {
            received = Array(repeating: [], count: replicas)
        }

        mutating func issue(_ operation: Operation, at replica: Int) -> Int {
            operations.append(operation)
            received[replica].insert(operations.count - 1)
            return operations.count - 1
        }

        mutating func receive(_ index: Int, at replica: Int) {
            received[replica].insert(index)
        }

        /// The adds of `key` (and of `element`, if given) that `replica` has received.
        func adds(_ key: Int, element: Int? = nil, at replica: Int) -> Set<Int> {
            received[replica].filter { index in
                guard case let .add(k, e, _) = operations[index] else { return false }
                return k == key && (element == nil || e == element)
            }
        }

        /// A counter delta carries its writer's running totals (one dot per writer), so
        /// receiving a writer's latest increment implies all its earlier ones: the value is,
        /// per writer, the sum of its increments up to the latest received.
        func counter(_ key: Int, at replica: Int) -> Int64 {
            var latest: [Int: Int] = [:]  // writer → index of its latest received increment
            for index in received[replica] {
                if case let .increment(k, _, writer) = operations[index], k == key {
                    latest[writer] = max(latest[writer] ?? -1, index)
                }
            }
            var total: Int64 = 0
            for (index, operation) in operations.enumerated() {
                if case let .increment(k, amount, writer) = operation, k == key, index <= latest[writer] ?? -1 {
                    total += amount
                }
            }
            return total
        }

        /// Every add to `key` the replica knows of: those it received and those that the
        /// operations it received had observed (its causal context covers them too).
        func knownAdds(_ key: Int, at replica: Int) -> Set<Int> {
            var known = adds(key, at: replica)
            for index in received[replica] {
                switch operations[index] {
                case let .add(k, _, observed) where k == key: known.formUnion(observed)
                case let .remove(k, _, observed) where k == key: known.formUnion(observed)
                case let .delete(k, observed) where k == key: known.formUnion(observed)
                default: break
                }
            }
            return known
        }

        /// Elements with an add, among what the replica received, that no received add,
        /// remove or delete observed: add wins over a concurrent remove. Deltas are not
        /// delivered in causal order, so before everything has arrived a replica may still show
        /// an add whose superseding re-add has not reached it yet: it shows at least these.
        func elements(_ key: Int, at replica: Int) -> Set<Int> {
            var dead: Set<Int> = []
            for index in received[replica] {
                switch operations[index] {
                case let .add(k, _, observed) where k == key: dead.formUnion(observed)
                case let .remove(k, _, observed) where k == key: dead.formUnion(observed)
                case let .delete(k, observed) where k == key: dead.formUnion(observed)
                default: break
                }
            }
            var result: Set<Int> = []
            for index in adds(key, at: replica) where !dead.contains(index) {
                if case let .add(_, element, _) = operations[index] { result.insert(element) }
            }
            return result
        }
    }

    static let replicas = 3

    func setKey(_ index: Int) -> Key { try! Key(["sets", "s\(index)"]) }
    func counterKey(_ index: Int) -> Key { try! Key(["counters", "c\(index)"]) }

    @Test("a write that changes nothing on an absent key leaves no trace (regression)")
    func emptyWritesLeaveNoTrace() throws {
        // Found by the model test: removing an absent element from an absent key stored an
        // empty entry on the replicas that merged its delta, so their digests never matched.
        var a = KeySpace(), b = KeySpace()
        let delta = try a.update(setKey(0), [.update("e", .remove(.integer(1)))], by: "r0").delta
        b.merge(setKey(0), delta)
        #expect(a.objects.isEmpty && b.objects.isEmpty)
        #expect(a.bucketDigests() == KeySpace().bucketDigests())
    }

    @Test("a writer's older counter delta arriving after its newer one is not counted twice (regression)")
    func outOfOrderCounterDeltas() throws {
        // Found by the model test: -1, +1, +4 by one writer; the receiver got +4 first, then -1,
        // and held two entries for that writer (3 instead of 4).
        var writer = KeySpace(), receiver = KeySpace()
        var deltas: [Causal<ORMap>] = []
        for amount: Int64 in [-1, 1, 4] {
            deltas.append(try writer.update(counterKey(0), [.update("n", .increment(amount))], by: "r1").delta)
        }
        receiver.merge(counterKey(0), deltas[2])
        receiver.merge(counterKey(0), deltas[0])
        #expect(receiver.value(counterKey(0)).store.counter("n") == 4)
        receiver.merge(counterKey(0), deltas[1])
        #expect(receiver.value(counterKey(0)) == writer.value(counterKey(0)))
    }

    @Test("replicas match the model at every read and converge to it; subscribers see every real change and only those")
    func storeMatchesModel() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...Int(UInt32.max)).array(of: 1...100)) { script in
            matchesModel(script)
        }
    }

    @Test("regression: add, delete, re-add, then the deltas out of order")
    func deleteThenReAdd() {
        matchesModel([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3695994846, 0, 48964788, 0, 0, 0, 0, 192408401, 581768062])
        matchesModel([884304639, 0, 244520843, 1365382505])
        matchesModel([114651672, 591160128, 0, 0, 0, 0, 389588152, 2657928869, 985426099, 0, 0, 0, 785193923, 0, 0, 0, 0, 0, 1081733968, 1943432606])
    }

    func matchesModel(_ script: [Int]) {
        do {
            var spaces = (0..<Self.replicas).map { _ in KeySpace() }
            var model = Model(replicas: Self.replicas)
            var pending: [(to: Int, operation: Int, key: Key, delta: Causal<ORMap>)] = []
            var registries = (0..<Self.replicas).map { _ in SubscriptionRegistry() }
            var subscriptions: [SubscriptionID] = []
            var views: [[Key: ORMap]] = Array(repeating: [:], count: Self.replicas)
            for replica in 0..<Self.replicas {
                subscriptions.append(registries[replica].subscribe(try! KeyPattern(parsing: ""), space: spaces[replica]))
            }

            func apply(_ key: Key, _ delta: Causal<ORMap>, at replica: Int) {
                let before = spaces[replica].value(key)
                spaces[replica].merge(key, delta)
                registries[replica].changed(key, from: before, to: spaces[replica].value(key))
            }
            func record(_ operation: Operation, key: Key, delta: Causal<ORMap>, at replica: Int, before: Causal<ORMap>) {
                let index = model.issue(operation, at: replica)
                registries[replica].changed(key, from: before, to: spaces[replica].value(key))
                for other in 0..<Self.replicas where other != replica {
                    pending.append((other, index, key, delta))
                }
            }
            func drain(_ replica: Int) {
                let batch = registries[replica].drain(subscriptions[replica], space: spaces[replica])!
                for change in batch.changes {
                    #expect(batch.resynchronised || views[replica][change.key] != change.value.store, "a change that changed nothing was delivered")
                    views[replica][change.key] = change.value.store
                }
            }
            func check(_ replica: Int, final: Bool = false) {
                for key in 0..<3 {
                    #expect(spaces[replica].value(counterKey(key)).store.counter("n") == model.counter(key, at: replica))
                    let present = Set(spaces[replica].value(setKey(key)).store.set("e").compactMap { value -> Int? in
                        if case let .integer(number) = value { return Int(number) }
                        return nil
                    })
                    let expected = model.elements(key, at: replica)
                    if final {
                        #expect(present == expected, "replica \(replica) set \(key)")
                    } else {
                        #expect(expected.isSubset(of: present), "replica \(replica) set \(key)")
                    }
                }
            }

            for code in script {
                let replica = code % Self.replicas
                let key = (code / 3) % 3
                let element = (code / 9) % 4
                switch (code / 36) % 8 {
                case 0, 1:
                    let before = spaces[replica].value(setKey(key))
                    let delta = try! spaces[replica].update(setKey(key), [.update("e", .add(.integer(Int64(element))))], by: ReplicaID("r\(replica)")).delta
                    let observed = model.adds(key, element: element, at: replica)
                    record(.add(key: key, element: element, observed: observed), key: setKey(key), delta: delta, at: replica, before: before)
                case 2:
                    let before = spaces[replica].value(setKey(key))
                    let delta = try! spaces[replica].update(setKey(key), [.update("e", .remove(.integer(Int64(element))))], by: ReplicaID("r\(replica)")).delta
                    let observed = model.adds(key, element: element, at: replica)
                    record(.remove(key: key, element: element, observed: observed), key: setKey(key), delta: delta, at: replica, before: before)
                case 3:
                    let before = spaces[replica].value(setKey(key))
                    let delta = spaces[replica].delete(setKey(key), by: ReplicaID("r\(replica)"))
                    // A delete removes everything the key's context covers.
                    let observed = model.knownAdds(key, at: replica)
                    record(.delete(key: key, observed: observed), key: setKey(key), delta: delta, at: replica, before: before)
                case 4:
                    let amount = Int64(code % 7) - 2
                    let before = spaces[replica].value(counterKey(key))
                    let delta = try! spaces[replica].update(counterKey(key), [.update("n", .increment(amount))], by: ReplicaID("r\(replica)")).delta
                    record(.increment(key: key, amount: amount, by: replica), key: counterKey(key), delta: delta, at: replica, before: before)
                case 5, 6:
                    guard !pending.isEmpty else { break }
                    let position = code % pending.count
                    let message = pending[position]
                    // Sometimes a message is delivered and kept, to arrive again later.
                    if code % 5 != 0 { pending.remove(at: position) }
                    apply(message.key, message.delta, at: message.to)
                    model.receive(message.operation, at: message.to)
                default:
                    check(replica)
                    drain(replica)
                }
            }
            for message in pending {
                apply(message.key, message.delta, at: message.to)
                model.receive(message.operation, at: message.to)
            }
            for replica in 0..<Self.replicas {
                check(replica, final: true)
                drain(replica)
                #expect(spaces[replica].objects == spaces[0].objects, "replica \(replica) converged")
                for key in spaces[replica].keys(matching: try! KeyPattern(parsing: "")) {
                    #expect(views[replica][key] == spaces[replica].value(key).store, "subscriber \(replica) saw the final value of \(key)")
                }
            }
        }
    }
}
