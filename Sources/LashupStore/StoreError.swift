import LashupCRDT

/// Why the store refused a request. Each case names what was wrong and, where it helps, what
/// to do instead.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidKey(String)
    case invalidPattern(String)
    case tooManyOperations(count: Int, limit: Int)
    case nestingTooDeep(depth: Int, limit: Int)
    case valueTooLarge(bytes: Int, limit: Int)
    /// The write queue is full: the write was not accepted (and not applied); retry later.
    case overloaded(pending: Int, limit: Int)
    /// A compare-and-set found the key changed since the caller read it.
    case conflict(key: Key, expected: VersionVector, actual: VersionVector)

    public var description: String {
        switch self {
        case let .invalidKey(reason): "invalid key: \(reason)"
        case let .invalidPattern(reason): "invalid key pattern: \(reason)"
        case let .tooManyOperations(count, limit): "an update may carry at most \(limit) operations, got \(count)"
        case let .nestingTooDeep(depth, limit): "maps nest at most \(limit) levels, got \(depth)"
        case let .valueTooLarge(bytes, limit): "a value of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case let .overloaded(pending, limit):
            "write queue full (\(pending) of \(limit) pending): the write was not accepted; retry later"
        case let .conflict(key, expected, actual):
            "key \(key) changed since it was read (read at \(expected), now \(actual)); read it again and retry"
        }
    }
}

/// Bounds on what one update may do.
public struct StoreLimits: Sendable, Equatable {
    public var maximumKeySegments = 16
    public var maximumSegmentBytes = 255
    public var maximumKeyBytes = 1024
    /// Largest single register value, set element or field name, encoded.
    public var maximumValueBytes = 64 * 1024
    public var maximumOperationsPerUpdate = 1_000
    public var maximumNestingDepth = 8

    public init() {}
}
