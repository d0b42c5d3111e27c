import NIOCore
import NIOPosix

/// What the operator is told when a join contact cannot be dialled: one warning per contact
/// and cause, repeated at most once a `repeatInterval` while it keeps failing, so an agent
/// started with `--join nosuchhost:1` says why it stays alone instead of staying silent.
struct ContactDialReport {
    /// How often a contact that keeps failing for the same cause is reported again.
    static let repeatInterval = TimeAmount.seconds(60)
    /// Agents join through a handful of contacts; beyond this many, older entries are forgotten.
    static let maximumContacts = 64

    struct Entry {
        var cause: String
        var reportedAt: NIODeadline
    }

    private var entries: [String: Entry] = [:]

    /// Whether to log `cause` for `address` now; records it when so.
    mutating func shouldReport(_ address: String, cause: String, now: NIODeadline) -> Bool {
        if let entry = entries[address], entry.cause == cause, now - entry.reportedAt < Self.repeatInterval { return false }
        if entries[address] == nil, entries.count >= Self.maximumContacts, let oldest = entries.min(by: { $0.value.reportedAt < $1.value.reportedAt }) {
            entries[oldest.key] = nil
        }
        entries[address] = Entry(cause: cause, reportedAt: now)
        return true
    }

    /// A dialled contact answered: a later failure is news again.
    mutating func reached(_ address: String) { entries[address] = nil }

    /// A dial error as an operator reads it.
    static func cause(of error: any Error, timeout: TimeAmount) -> String {
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return "does not resolve (check the host name)"
            }
            if let first = connection.connectionErrors.first { return cause(of: first.error, timeout: timeout) }
        }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED {
            return "refused the connection (is an agent listening there?)"
        }
        if case ChannelError.connectTimeout = error as? ChannelError ?? .ioOnClosedChannel {
            return "did not answer within \(timeout.nanoseconds / 1_000_000_000) s (a firewall, or the wrong address?)"
        }
        return "cannot be reached: \(error)"
    }
}
