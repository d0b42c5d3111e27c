import LashupMembership

/// An input the simulator gives a node.
public enum SimulatedInput<Message: Sendable, Timer: Sendable>: Sendable {
    case start
    case message(from: Peer, Message)
    case timer(Timer)
    case leave
}

/// What a node asks of the simulator.
public enum SimulatedEffect<Message: Sendable, Timer: Sendable, Snapshot: Sendable, Event: Sendable>: Sendable {
    case send(to: Peer, Message)
    case setTimer(Timer)
    case persist(Snapshot)
    case event(Event)
}

/// A protocol core the simulator can run: it maps the core's own inputs and effects onto the
/// simulator's, so one event loop serves the membership layer alone and the whole node.
public protocol SimulatedNode {
    associatedtype Message: Sendable
    associatedtype Timer: Sendable
    associatedtype Snapshot: Sendable
    associatedtype Event: Sendable

    typealias Effect = SimulatedEffect<Message, Timer, Snapshot, Event>

    mutating func simulate(_ input: SimulatedInput<Message, Timer>, now: Instant) -> [Effect]
    func invariantViolations() -> [String]
    /// The node's overlay neighbours, for connectivity checks.
    var simulatedActiveView: [Peer] { get }
    static func deadline(of timer: Timer) -> Instant
    /// Stable numbers for the trace hash. A message's is its kind code, below 256.
    static func traceCode(of timer: Timer) -> UInt64
    static func traceCode(of message: Message) -> UInt64
    /// The message's kind, named, for counts by kind.
    static func kindName(of message: Message) -> String
    /// What the node's disk holds after `write` lands on `previous`. By default a write is a
    /// whole snapshot and replaces what was there.
    static func stored(_ write: Snapshot, onto previous: Snapshot?) -> Snapshot
}

extension SimulatedNode {
    public static func stored(_ write: Snapshot, onto previous: Snapshot?) -> Snapshot { write }
}

extension MembershipNode: SimulatedNode {
    public typealias Message = MembershipMessage
    public typealias Timer = TimerID
    public typealias Snapshot = MembershipSnapshot
    public typealias Event = MembershipEvent

    public mutating func simulate(_ input: SimulatedInput<MembershipMessage, TimerID>, now: Instant) -> [SimulatedEffect<MembershipMessage, TimerID, MembershipSnapshot, MembershipEvent>] {
        let membershipInput: MembershipInput
        switch input {
        case .start: membershipInput = .start
        case let .message(from, message): membershipInput = .message(from: from, message)
        case let .timer(timer): membershipInput = .timer(timer)
        case .leave: membershipInput = .leave
        }
        return handle(membershipInput, now: now).compactMap { effect -> SimulatedEffect<MembershipMessage, TimerID, MembershipSnapshot, MembershipEvent>? in
            switch effect {
            case let .send(peer, message): .send(to: peer, message)
            case let .setTimer(timer): .setTimer(timer)
            case let .persist(snapshot): .persist(snapshot)
            case let .event(event): .event(event)
            case .cancelTimer, .disconnect: nil
            }
        }
    }

    public var simulatedActiveView: [Peer] { activeView }
    public static func deadline(of timer: TimerID) -> Instant { timer.deadline }
    public static func traceCode(of timer: TimerID) -> UInt64 { timer.id }
    public static func traceCode(of message: MembershipMessage) -> UInt64 { UInt64(message.kindCode) }
    public static func kindName(of message: MembershipMessage) -> String { message.kind }
}
