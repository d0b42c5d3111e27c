import LashupCRDT

/// One direction of a tracked connection: addresses and, for TCP, UDP and SCTP, ports.
public struct ConntrackTuple: Hashable, Sendable, CustomStringConvertible {
    public var source: IPAddress
    public var destination: IPAddress
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?

    public init(source: IPAddress, destination: IPAddress, sourcePort: UInt16? = nil, destinationPort: UInt16? = nil) {
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    public var description: String {
        "src=\(source)" + (sourcePort.map { " sport=\($0)" } ?? "") + " dst=\(destination)" + (destinationPort.map { " dport=\($0)" } ?? "")
    }
}

/// A connection the kernel tracks: its protocol, the tuple of the packets that opened it and
/// the tuple replies carry (after NAT, the backend's address is the reply's source).
public struct ConntrackEntry: Hashable, Sendable, CustomStringConvertible {
    /// IP protocol number: 6 TCP, 17 UDP, 132 SCTP, 1 ICMP.
    public var protocolNumber: UInt8
    public var original: ConntrackTuple
    public var reply: ConntrackTuple
    /// The conntrack zone, when not the default one.
    public var zone: UInt16?

    public init(protocolNumber: UInt8, original: ConntrackTuple, reply: ConntrackTuple, zone: UInt16? = nil) {
        self.protocolNumber = protocolNumber
        self.original = original
        self.reply = reply
        self.zone = zone
    }

    public var description: String { "conntrack proto \(protocolNumber) \(original) reply \(reply)" }
}

/// Which connections to forget: what the load balancer names when a backend goes (`conntrack
/// -D -p udp --orig-dst VIP --orig-port-dst PORT --reply-src BACKEND`). Unset fields match all.
public struct ConntrackFilter: Hashable, Sendable, CustomStringConvertible {
    public var protocolNumber: UInt8
    public var originalDestination: IPAddress
    public var originalDestinationPort: UInt16?
    public var replySource: IPAddress?
    public var replySourcePort: UInt16?

    public init(protocolNumber: UInt8, originalDestination: IPAddress, originalDestinationPort: UInt16? = nil,
                replySource: IPAddress? = nil, replySourcePort: UInt16? = nil) {
        self.protocolNumber = protocolNumber
        self.originalDestination = originalDestination
        self.originalDestinationPort = originalDestinationPort
        self.replySource = replySource
        self.replySourcePort = replySourcePort
    }

    public func matches(_ entry: ConntrackEntry) -> Bool {
        entry.protocolNumber == protocolNumber && entry.original.destination == originalDestination
            && (originalDestinationPort == nil || entry.original.destinationPort == originalDestinationPort)
            && (replySource == nil || entry.reply.source == replySource)
            && (replySourcePort == nil || entry.reply.sourcePort == replySourcePort)
    }

    public var description: String {
        "conntrack entries proto \(protocolNumber) to \(originalDestination)" + (originalDestinationPort.map { ":\($0)" } ?? "")
            + (replySource.map { " answered by \($0)" } ?? "") + (replySourcePort.map { ":\($0)" } ?? "")
    }
}
