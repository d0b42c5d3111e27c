import LashupWire
import NIOCore

/// Bounds of the transport. Every queue is bounded: a slow or stuck peer costs at most
/// `maximumQueuedBytesPerPeer` of memory, and frames beyond it are dropped and counted (the
/// protocols above repair loss), so it can never hold up traffic to anyone else.
public struct TransportLimits: Sendable {
    /// Bytes waiting for one peer (queued while dialling plus written but not yet sent).
    public var maximumQueuedBytesPerPeer = 8 << 20
    public var maximumFrameBytes = WireLimits.default.maximumFrameBytes
    public var connectTimeout = TimeAmount.seconds(2)
    /// A connection that has not completed TLS and the hello by then is closed.
    public var handshakeTimeout = TimeAmount.seconds(5)
    /// Accepted connections beyond this are closed at once (and counted).
    public var maximumInboundConnections = 1_024

    public init() {}
}

/// Counters and gauges of the transport, for metrics.
public struct TransportStatistics: Sendable, Equatable {
    public var framesSent = 0
    public var bytesSent = 0
    public var framesReceived = 0
    /// Frames dropped because a peer's queue was full or its connection failed first.
    public var framesDropped = 0
    public var dials = 0
    public var dialFailures = 0
    /// Connections refused at the hello (wrong cluster, version, or certificate name).
    public var handshakesRefused = 0
    /// TLS handshakes that failed on a certificate (expired, another CA, none), either side.
    public var certificateRefusals = 0
    /// Connections closed for a malformed or unexpected frame.
    public var protocolErrors = 0
    public var inboundRejected = 0
    public var outboundConnections = 0
    public var inboundConnections = 0
    public var queuedBytes = 0

    public init() {}
}
