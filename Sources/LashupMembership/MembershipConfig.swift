/// Tunables of the overlay and failure detector, with the defaults every node uses unless
/// configured otherwise. Durations are exact; jitter is applied where each timer is armed.
public struct MembershipConfig: Sendable {
    /// Active view size (HyParView): the TCP neighbours. Original Lashup: 7.
    public var activeViewSize = 7
    /// Passive view size: known peers to repair the active view from. Original: 42.
    public var passiveViewSize = 42
    /// Active random walk length: the TTL of a forward-join.
    public var activeRandomWalkLength = 6
    /// Passive random walk length: the TTL at which a forward-join also enters the passive view.
    public var passiveRandomWalkLength = 3
    /// Joins a node accepts per second as a contact; beyond it the joiner is sent elsewhere.
    public var joinsPerSecond = 25.0
    /// How long a joiner waits for an answer before trying another contact.
    public var joinTimeout = Duration.seconds(1)
    /// Longest pause between rejoin attempts while the active view is empty.
    public var rejoinBackoffMaximum = Duration.seconds(8)
    /// How often the active view is topped up from the passive view while not full.
    public var maintenanceInterval = Duration.milliseconds(500)
    /// Neighbour requests outstanding at once.
    public var maximumPendingNeighborRequests = 2
    /// How long a neighbour request may go unanswered before its target is dropped.
    public var neighborRequestTimeout = Duration.seconds(1)
    /// Shuffle period, and the sample sizes taken from the active and passive views.
    public var shuffleInterval = Duration.seconds(10)
    public var shuffleActiveSample = 3
    public var shufflePassiveSample = 4
    /// Each neighbour is pinged this often (±25 % continuous jitter).
    public var pingInterval = Duration.milliseconds(400)
    /// Bounds of a direct ping timeout computed from the RTT estimate.
    public var minimumPingTimeout = Duration.milliseconds(100)
    public var maximumPingTimeout = Duration.seconds(2)
    /// Timeout used before any RTT sample exists.
    public var initialPingTimeout = Duration.milliseconds(500)
    /// How long a node relaying a ping-req waits for the target before answering "no pong".
    public var relayTimeout = Duration.milliseconds(100)
    /// Ping-req relays a node serves at once; more are refused (counted).
    public var maximumRelays = 64
    /// Neighbours asked to probe a neighbour that missed its pong (SWIM ping-req).
    public var indirectProbeCount = 3
    /// Failed probe rounds (direct and indirect) before a neighbour is evicted.
    public var probeRoundsBeforeEviction = 2
    /// Consecutive direct misses, with indirect proof of life, before the link is given up as
    /// broken (an asymmetric partition) and replaced.
    public var directMissesBeforeLinkDrop = 5
    /// How long a peer whose link was given up as broken is neither asked nor accepted as a
    /// neighbour (it would be one-sided again), and how many such peers are remembered.
    public var brokenLinkQuarantine = Duration.seconds(60)
    public var maximumQuarantined = 32
    /// Highest Lifeguard local-health score; timeouts are multiplied by (1 + score).
    public var maximumLocalHealth = 8
    /// A timer firing this late means this node was paused or starved.
    public var lateTimerThreshold = Duration.milliseconds(200)
    /// How often a node whose active view is not full asks one remembered member to be a
    /// neighbour: at low priority (taken up only if the target has room) normally, at high
    /// priority while the view is below three quarters full. Two halves of a healed
    /// partition, whose passive views lost each other or whose active views filled up while
    /// apart, find each other again this way.
    public var knownMemberProbeInterval = Duration.seconds(20)
    /// Known members remembered for a restart without contact nodes.
    public var knownMembersLimit = 256
    /// Minimum interval between two persistence effects.
    public var persistInterval = Duration.seconds(5)

    public init() {}
}
