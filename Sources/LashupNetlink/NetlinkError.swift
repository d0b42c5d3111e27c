import Glibc

/// What went wrong talking to the kernel, naming the object: `route 11.0.0.7/32 table 42:
/// file exists`.
public enum NetlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kernel refused a request (`code` is the errno), with its extended message if any.
    case kernel(subject: String, code: Int32, message: String?)
    /// A request names an interface that does not exist here.
    case unknownInterface(String, subject: String)
    /// The socket could not be opened or used.
    case socket(String, code: Int32)
    /// The kernel's reply could not be read.
    case decoding(NetlinkDecodingError)
    /// No reply within the time allowed.
    case timeout(String)
    /// A dump was changed by someone else while it was read, every time it was tried.
    case interrupted(subject: String, attempts: Int)

    /// The kinds of kernel refusal callers act on.
    public enum Kind: Sendable, Equatable {
        case exists, notFound, noDevice, permission, invalid, unreachable, notSupported, other
    }

    public var kind: Kind {
        guard case let .kernel(_, code, _) = self else {
            if case let .socket(_, code) = self, code == EPERM || code == EACCES { return .permission }
            return .other
        }
        switch code {
        case EEXIST: return .exists
        case ENOENT, ESRCH: return .notFound
        case ENODEV: return .noDevice
        case EPERM, EACCES: return .permission
        case EINVAL, ERANGE: return .invalid
        case ENETUNREACH, EHOSTUNREACH: return .unreachable
        case EOPNOTSUPP, EAFNOSUPPORT, EPROTONOSUPPORT: return .notSupported
        default: return .other
        }
    }

    public var description: String {
        switch self {
        case let .kernel(subject, code, message):
            "\(subject): \(Self.text(code))" + (message.map { " (\($0))" } ?? "")
        case let .unknownInterface(name, subject):
            "\(subject): no interface named \(name)"
        case let .socket(what, code):
            "\(what): \(Self.text(code))"
        case let .decoding(error):
            "\(error)"
        case let .timeout(what):
            "\(what): no answer from the kernel"
        case let .interrupted(subject, attempts):
            "\(subject): the dump changed while it was read, \(attempts) times in a row"
        }
    }

    /// `strerror`, lowercased the way the kernel's own tools print it.
    static func text(_ code: Int32) -> String {
        guard let pointer = strerror(code) else { return "error \(code)" }
        let text = String(cString: pointer)
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
