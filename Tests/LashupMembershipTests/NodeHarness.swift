import LashupMembership

/// Drives one `MembershipNode` by hand: feed inputs at chosen instants, inspect the effects.
struct NodeHarness {
    var node: MembershipNode
    var now = Instant.zero
    var effects: [MembershipEffect] = []
    /// Timers set and not yet fired or cancelled, by id.
    var timers: [UInt64: TimerID] = [:]

    init(_ name: String, contacts: [String] = [], restored: MembershipSnapshot? = nil, config: MembershipConfig = MembershipConfig(), seed: UInt64 = 1) {
        node = MembershipNode(me: Peer(name), contacts: contacts.map(Peer.init), restored: restored, config: config, seed: seed)
    }

    @discardableResult
    mutating func handle(_ input: MembershipInput) -> [MembershipEffect] {
        effects = node.handle(input, now: now)
        for effect in effects {
            switch effect {
            case let .setTimer(timer): timers[timer.id] = timer
            case let .cancelTimer(timer): timers[timer.id] = nil
            default: break
            }
        }
        precondition(node.invariantViolations().isEmpty, "\(node.invariantViolations())")
        return effects
    }

    @discardableResult
    mutating func receive(_ message: MembershipMessage, from name: String) -> [MembershipEffect] {
        handle(.message(from: Peer(name), message))
    }

    /// Advances time to `instant` and fires, in deadline order, every timer due by then.
    @discardableResult
    mutating func advance(to instant: Instant) -> [MembershipEffect] {
        var all: [MembershipEffect] = []
        while let next = timers.values.filter({ $0.deadline <= instant }).min(by: { ($0.deadline, $0.id) < ($1.deadline, $1.id) }) {
            timers[next.id] = nil
            now = max(now, next.deadline)
            all += handle(.timer(next))
        }
        now = max(now, instant)
        effects = all
        return all
    }

    @discardableResult
    mutating func advance(by duration: Duration) -> [MembershipEffect] { advance(to: now + duration) }

    /// The messages among `effects`, as (destination name, message).
    static func messages(in effects: [MembershipEffect]) -> [(String, MembershipMessage)] {
        effects.compactMap { if case let .send(peer, message) = $0 { (peer.id.name, message) } else { nil } }
    }

    /// Messages sent, as (destination name, message).
    var sent: [(String, MembershipMessage)] {
        effects.compactMap { if case let .send(peer, message) = $0 { (peer.id.name, message) } else { nil } }
    }

    func sent(to name: String) -> [MembershipMessage] { sent.filter { $0.0 == name }.map(\.1) }

    var events: [MembershipEvent] {
        effects.compactMap { if case let .event(event) = $0 { event } else { nil } }
    }

    var activeNames: [String] { node.activeView.map(\.id.name) }
    var passiveNames: [String] { node.passiveView.map(\.id.name) }

    /// Makes `names` active neighbours through the neighbour handshake.
    mutating func connect(_ names: [String]) {
        for name in names { receive(.neighbor(requester: Peer(name), priority: .high), from: name) }
    }
}
