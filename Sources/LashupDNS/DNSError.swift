/// Why a DNS message, name or record could not be read or built. Every case names the problem.
public enum DNSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message ended before a field it announced.
    case truncated(String)
    /// A name on the wire or in text is not a valid domain name.
    case invalidName(String)
    /// A field holds a value the protocol does not allow.
    case malformed(String)
    /// A record given in text (store or CLI) could not be parsed.
    case invalidRecord(String)

    public var description: String {
        switch self {
        case let .truncated(detail): "truncated message: \(detail)"
        case let .invalidName(detail): "invalid name: \(detail)"
        case let .malformed(detail): "malformed message: \(detail)"
        case let .invalidRecord(detail): "invalid record: \(detail)"
        }
    }
}
