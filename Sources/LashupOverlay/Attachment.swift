import LashupCNIProtocol

/// One container interface attached to an overlay, and the addresses it was given. The agent
/// keeps these durable (`AttachmentStore`), so a crash of the agent or the plugin neither
/// loses an address (handed out twice) nor leaks one forever (DEL and GC free it).
public struct Attachment: Sendable, Hashable {
    public var overlay: String
    public var id: AttachmentID
    /// The container's IPv4 address, without a prefix length.
    public var address: String
    public var address6: String?
    /// The claim (by its time) whose subnet the address came from: an attachment from an
    /// earlier claim of this host (lost or released since) is stale.
    public var claimedAt: UInt64
    public var namespacePath: String
    /// When it was made (ns since the Unix epoch).
    public var createdAt: UInt64

    public init(overlay: String, id: AttachmentID, address: String, address6: String? = nil, claimedAt: UInt64, namespacePath: String, createdAt: UInt64) {
        self.overlay = overlay
        self.id = id
        self.address = address
        self.address6 = address6
        self.claimedAt = claimedAt
        self.namespacePath = namespacePath
        self.createdAt = createdAt
    }
}

/// Where attachments are kept: the agent's SQLite file in production (durable before the
/// plugin hears the answer), memory in tests.
public protocol AttachmentStore: Sendable {
    /// Every attachment of `overlay`.
    func attachments(overlay: String) async throws -> [Attachment]
    /// Records `attachment` durably; an existing one with the same overlay and id is replaced.
    func save(_ attachment: Attachment) async throws
    /// Forgets the attachments of `overlay` with these ids; how many there were.
    func remove(overlay: String, ids: [AttachmentID]) async throws -> Int
}

/// Attachments in memory, for tests and `--dev` agents without a data directory.
public actor InMemoryAttachmentStore: AttachmentStore {
    var rows: [String: [AttachmentID: Attachment]] = [:]

    public init() {}

    public func attachments(overlay: String) -> [Attachment] {
        (rows[overlay] ?? [:]).values.sorted { $0.address < $1.address }
    }

    public func save(_ attachment: Attachment) {
        rows[attachment.overlay, default: [:]][attachment.id] = attachment
    }

    public func remove(overlay: String, ids: [AttachmentID]) -> Int {
        var removed = 0
        for id in ids where rows[overlay]?.removeValue(forKey: id) != nil { removed += 1 }
        return removed
    }
}
