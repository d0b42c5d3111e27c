/// Why a call to the Mesos operator API failed.
public struct MesosOperatorError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No connection (refused, timed out connecting, reset before an answer).
        case unreachable
        /// No answer, or no event, within the time allowed.
        case timedOut
        /// An HTTP status other than 200 (and other than a followed 307).
        case status(Int)
        /// A 307 without a usable `Location`, or more redirects than allowed.
        case redirect
        /// A body larger than the limit.
        case tooLarge
        /// A 200 whose body is not the answer asked for.
        case malformedResponse
        /// A RecordIO stream that does not parse.
        case malformedStream(RecordIOError)
        /// The connection closed (or the server ended the stream), after the answer started.
        case closed
        /// The consumer fell so far behind that buffered events would exceed the bound.
        case consumerTooSlow
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The `SourceProblems` cause it counts under: `unreachable` when Mesos could not be
    /// talked to, `bad_response` when it answered something unusable.
    public var cause: String {
        switch kind {
        case .unreachable, .timedOut, .closed: "unreachable"
        case .status, .redirect, .tooLarge, .malformedResponse, .malformedStream: "bad_response"
        case .consumerTooSlow: "overflow"
        }
    }

    public var description: String { message }
}
