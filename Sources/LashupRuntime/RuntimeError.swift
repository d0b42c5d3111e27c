/// A failure an operator must act on: a bad flag, an unreadable file, a port in use, a corrupt
/// data directory. The description is one line naming the problem and what it concerns.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
