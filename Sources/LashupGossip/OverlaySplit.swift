import LashupMembership

/// What a node can tell from its global table about the overlay being in pieces: members that
/// should be in its component and are not.
///
/// A single crashed node looks like one unreachable member whose old neighbours have all
/// dropped it; that alone is a failure, not a split. Two kinds of evidence say the unreachable
/// part is alive on its own instead:
/// - a configured contact is unreachable (or not even known): every node joined through the
///   contacts, so a component without them is an island; and
/// - unreachable members that still advertise links to each other (both directions): they
///   were connected to one another, apart from us, when we last heard of them.
/// Neither can tell a real network partition from an island in a healthy network (no node
/// can, from inside); that is for the operator to tell, which is why the split is reported.
public struct OverlaySplit: Sendable, Equatable {
    /// Contacts (other than this node) that are not reachable from here.
    public var unreachableContacts: [NodeID]
    /// Unreachable members with a mutual advertised link to another unreachable member.
    public var unreachableLinkedMembers: [NodeID]
    /// When this node first saw the evidence (the episode began then).
    public var since: Instant

    public init(unreachableContacts: [NodeID], unreachableLinkedMembers: [NodeID], since: Instant) {
        self.unreachableContacts = unreachableContacts
        self.unreachableLinkedMembers = unreachableLinkedMembers
        self.since = since
    }

    /// A one-line account for logs and the CLI.
    public var summary: String {
        var parts: [String] = []
        if !unreachableContacts.isEmpty {
            parts.append("contacts unreachable: \(unreachableContacts.map(\.name).joined(separator: ", "))")
        }
        if !unreachableLinkedMembers.isEmpty {
            let shown = unreachableLinkedMembers.prefix(5).map(\.name).joined(separator: ", ")
            let more = unreachableLinkedMembers.count > 5 ? " and \(unreachableLinkedMembers.count - 5) more" : ""
            parts.append("\(unreachableLinkedMembers.count) unreachable members linked to each other (\(shown)\(more))")
        }
        return parts.joined(separator: "; ")
    }
}
