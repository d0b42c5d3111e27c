import LashupCRDT
import LashupLB
import Testing

/// The latency-aware weights core: probe outcomes and time in, adjusted weights out.
@Suite("latency-aware weights")
struct LatencyWeightsTests {
    static let service = ServiceKey(transport: .tcp, address: IPAddress("11.1.1.1")!, port: 80)
    static let backends = (1...3).map { Backend(agent: "node-\($0)", address: IPAddress("10.0.0.\($0)")!, port: 8080, weight: 2) }
    static let targets = backends.map(ProbeTarget.init)

    /// Weights with a 1 ms floor, so the millisecond latencies below are told apart.
    static func fresh() -> LatencyWeights {
        var settings = LatencyWeights.Settings()
        settings.latencyFloor = .milliseconds(1)
        return LatencyWeights(settings: settings)
    }

    /// Feeds each backend's latency (nil: a failed probe) once a second for `seconds`, from `start`.
    static func feed(_ weights: inout LatencyWeights, _ latencies: [Duration?], seconds: Int, from start: Int = 0) -> [Backend] {
        var result: [Backend] = []
        for second in start..<(start + seconds) {
            for (target, latency) in zip(targets, latencies) {
                weights.record(target, latency.map { .connected($0) } ?? .failed("connection refused"), now: .seconds(second))
            }
            result = weights.adjust([service: backends], now: .seconds(second))[service] ?? []
        }
        return result
    }

    @Test("similar latencies keep the configured weights exactly")
    func similarLatencies() {
        var weights = Self.fresh()
        let adjusted = Self.feed(&weights, [.microseconds(150), .microseconds(400), .microseconds(900)], seconds: 20)
        #expect(adjusted == Self.backends)
    }

    @Test("a backend 3x and one 20x slower than the fastest get a half and an eighth of its share")
    func slowerBackendsGetLess() {
        var weights = Self.fresh()
        let adjusted = Self.feed(&weights, [.milliseconds(2), .milliseconds(6), .milliseconds(40)], seconds: 10)
        #expect(adjusted.map(\.weight) == [16, 8, 2], "\(adjusted)")
        #expect(weights.reducedCount == 2)
    }

    @Test("a tier goes down only once the latency is clearly better, and at a bounded rate")
    func hysteresisAndRate() {
        var weights = Self.fresh()
        _ = Self.feed(&weights, [.milliseconds(2), .milliseconds(2), .milliseconds(5)], seconds: 10)
        // 5 ms against 2 ms is 2.5x: tier 1. Hovering just under 2x (1.8x) is not clearly better.
        var adjusted = Self.feed(&weights, [.milliseconds(2), .milliseconds(2), .microseconds(3_600)], seconds: 30, from: 10)
        #expect(adjusted.map(\.weight) == [16, 16, 8], "\(adjusted)")
        // Well under (1.2x): back to the full share, but not sooner than the change interval.
        var changedAt: Int?
        for second in 40..<60 {
            adjusted = Self.feed(&weights, [.milliseconds(2), .milliseconds(2), .microseconds(2_400)], seconds: 1, from: second)
            if changedAt == nil, adjusted == Self.backends { changedAt = second }
        }
        #expect(changedAt != nil, "the tier never came back down")
        // A tier changed at second 0 changes again no sooner than 5 s later, however much
        // slower the backend has become since.
        var fresh = Self.fresh()
        #expect(Self.feed(&fresh, [.milliseconds(2), .milliseconds(2), .milliseconds(5)], seconds: 1).map(\.weight) == [16, 16, 8])
        var tiers: [Int: [UInt32]] = [:]
        for second in 1...6 {
            tiers[second] = Self.feed(&fresh, [.milliseconds(2), .milliseconds(2), .milliseconds(200)], seconds: 1, from: second).map(\.weight)
        }
        #expect((1...4).allSatisfy { tiers[$0] == [16, 16, 8] }, "changed within 5 s: \(tiers.sorted { $0.key < $1.key })")
        #expect(tiers[5] == [16, 16, 2] && tiers[6] == [16, 16, 2], "\(tiers.sorted { $0.key < $1.key })")
    }

    @Test("two failed probes eject a backend at once; it returns after its time once it answers; repeated ejections last longer")
    func ejection() {
        var weights = Self.fresh()
        let fast: Duration = .microseconds(200)
        _ = Self.feed(&weights, [fast, fast, fast], seconds: 3)
        var adjusted = Self.feed(&weights, [fast, fast, nil], seconds: 1, from: 3)
        #expect(adjusted.map(\.weight) == [2, 2, 2], "one failure is not enough")
        adjusted = Self.feed(&weights, [fast, fast, nil], seconds: 1, from: 4)
        #expect(adjusted.map(\.weight) == [2, 2, 0], "\(adjusted)")
        #expect(weights.isEjected(Self.targets[2]))
        // Answers again at once, but stays out for its ejection time (5 s from second 4).
        adjusted = Self.feed(&weights, [fast, fast, fast], seconds: 4, from: 5)
        #expect(adjusted.map(\.weight) == [2, 2, 0])
        adjusted = Self.feed(&weights, [fast, fast, fast], seconds: 2, from: 9)
        #expect(adjusted.map(\.weight) == [2, 2, 2])
        // Fails again soon after: out for twice as long (10 s from second 12).
        adjusted = Self.feed(&weights, [fast, fast, nil], seconds: 2, from: 11)
        #expect(adjusted.map(\.weight) == [2, 2, 0])
        adjusted = Self.feed(&weights, [fast, fast, fast], seconds: 9, from: 13)
        #expect(adjusted.map(\.weight) == [2, 2, 0], "still out before 10 s")
        adjusted = Self.feed(&weights, [fast, fast, fast], seconds: 2, from: 22)
        #expect(adjusted.map(\.weight) == [2, 2, 2])
    }

    @Test("fail open: when every backend fails, none is ejected, also when two agents publish one address")
    func failOpen() {
        var weights = Self.fresh()
        let adjusted = Self.feed(&weights, [nil, nil, nil], seconds: 5)
        #expect(adjusted == Self.backends)
        var twice = Self.backends
        twice[1] = Backend(agent: "node-9", address: Self.backends[0].address, port: 8080, weight: 2)
        var shared = Self.fresh()
        for second in 0..<5 {
            shared.record(Self.targets[0], .failed("refused"), now: .seconds(second))
            shared.record(Self.targets[2], .failed("refused"), now: .seconds(second))
        }
        #expect(shared.adjust([Self.service: twice], now: .seconds(5))[Self.service] == twice)
    }

    @Test("what this host could not probe is not held against the backend")
    func notProbed() {
        var weights = Self.fresh()
        for second in 0..<5 { weights.record(Self.targets[0], .notProbed("connect: no ports"), now: .seconds(second)) }
        #expect(!weights.isEjected(Self.targets[0]) && weights.health[Self.targets[0]] == nil)
    }

    @Test("UDP VIPs and drained backends are left as configured")
    func udpAndDrained() {
        var weights = Self.fresh()
        let udp = ServiceKey(transport: .udp, address: Self.service.address, port: 53)
        var drained = Self.backends
        drained[0].weight = 0
        for second in 0..<5 {
            for target in Self.targets { weights.record(target, .failed("refused"), now: .seconds(second)) }
            weights.record(Self.targets[0], .connected(.milliseconds(1)), now: .seconds(second))
        }
        let adjusted = weights.adjust([udp: Self.backends, Self.service: drained], now: .seconds(5))
        #expect(adjusted[udp] == Self.backends)
        #expect(adjusted[Self.service] == drained, "the only live ones all fail: fail open, and the drained one stays drained")
    }

    @Test("tracked backends are bounded; results beyond are dropped and counted; forgotten ones free room")
    func bounded() {
        var settings = LatencyWeights.Settings()
        settings.maximumTracked = 2
        var weights = LatencyWeights(settings: settings)
        let first = weights.record(Self.targets[0], .connected(.milliseconds(1)), now: .zero)
        let second = weights.record(Self.targets[1], .connected(.milliseconds(1)), now: .zero)
        let third = weights.record(Self.targets[2], .connected(.milliseconds(1)), now: .zero)
        #expect(first && second && !third)
        #expect(weights.droppedResults == 1 && weights.health.count == 2)
        weights.retain([Self.targets[1]])
        let afterRoom = weights.record(Self.targets[2], .connected(.milliseconds(1)), now: .zero)
        #expect(afterRoom && Set(weights.health.keys) == [Self.targets[1], Self.targets[2]])
    }
}
