import Foundation

/// The conversation between the CNI plugin (`lashup-cni`) and its host's agent over the
/// agent's unix socket: one request per connection, each message one line of JSON (at most
/// `maximumMessageBytes`), the agent answering once the allocation is durable in its database.
///
/// The agent owns addresses: the plugin only asks, then programs the container's namespace.
/// Every command is idempotent for one attachment (container id, interface name): ADD twice
/// returns the same address, DEL of what is gone succeeds.
public enum AttachmentProtocol {
    /// Longest request or response line, in bytes; a longer one is refused.
    public static let maximumMessageBytes = 64 * 1024
    /// Where the agent listens unless told otherwise (`--overlay-cni-socket`).
    public static let defaultSocketPath = "/run/lashup/cni.sock"
}

/// What the plugin asks of the agent.
public struct AttachmentRequest: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable {
        /// Allocate (or return the existing) address of the attachment.
        case add = "ADD"
        /// Free the attachment's address; succeeds when there is none.
        case delete = "DEL"
        /// Whether the attachment still holds its address.
        case check = "CHECK"
        /// Free every attachment of the overlay not in `validAttachments`.
        case garbageCollect = "GC"
        /// Whether ADD would succeed now (the subnet is settled).
        case status = "STATUS"
    }

    public var command: Command
    /// The overlay network's name (`dcos`).
    public var overlay: String
    public var containerID: String?
    public var interfaceName: String?
    /// The container's network namespace path, recorded for operators.
    public var namespacePath: String?
    /// For GC: the attachments the runtime still knows.
    public var validAttachments: [AttachmentID]?

    public init(command: Command, overlay: String, containerID: String? = nil, interfaceName: String? = nil,
                namespacePath: String? = nil, validAttachments: [AttachmentID]? = nil) {
        self.command = command
        self.overlay = overlay
        self.containerID = containerID
        self.interfaceName = interfaceName
        self.namespacePath = namespacePath
        self.validAttachments = validAttachments
    }

    enum CodingKeys: String, CodingKey {
        case command, overlay
        case containerID = "container_id"
        case interfaceName = "ifname"
        case namespacePath = "netns"
        case validAttachments = "valid_attachments"
    }
}

/// One attachment: a container's interface.
public struct AttachmentID: Codable, Sendable, Hashable {
    public var containerID: String
    public var interfaceName: String

    public init(containerID: String, interfaceName: String) {
        self.containerID = containerID
        self.interfaceName = interfaceName
    }

    enum CodingKeys: String, CodingKey {
        case containerID = "container_id"
        case interfaceName = "ifname"
    }
}

/// The agent's answer: an attachment's addressing, or a CNI error.
public struct AttachmentResponse: Codable, Sendable, Equatable {
    /// For ADD and CHECK: the container's address with the subnet's length (`9.0.3.5/24`).
    public var address: String?
    /// The host's address in the subnet: the container's default gateway.
    public var gateway: String?
    public var address6: String?
    public var gateway6: String?
    /// The host bridge the container's veth joins.
    public var bridge: String?
    /// The overlay MTU the container's interface gets.
    public var mtu: Int?
    /// The agent's DNS server addresses.
    public var nameservers: [String]?
    /// For GC: how many attachments were freed.
    public var freed: Int?
    /// Set on failure: a CNI error code (7 bad configuration, 11 try again later, 50 not
    /// available) with a message naming the problem.
    public var error: AttachmentError?

    public init(address: String? = nil, gateway: String? = nil, address6: String? = nil, gateway6: String? = nil, bridge: String? = nil,
                mtu: Int? = nil, nameservers: [String]? = nil, freed: Int? = nil, error: AttachmentError? = nil) {
        self.address = address
        self.gateway = gateway
        self.address6 = address6
        self.gateway6 = gateway6
        self.bridge = bridge
        self.mtu = mtu
        self.nameservers = nameservers
        self.freed = freed
        self.error = error
    }

    public static func failure(_ code: Int, _ message: String, details: String? = nil) -> AttachmentResponse {
        AttachmentResponse(error: AttachmentError(code: code, message: message, details: details))
    }
}

/// A CNI error as the agent reports it; the plugin prints it as the spec's error result.
public struct AttachmentError: Codable, Sendable, Equatable, Error {
    public var code: Int
    public var message: String
    public var details: String?

    public init(code: Int, message: String, details: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case code
        case message = "msg"
        case details
    }
}

/// The CNI specification's error codes used here.
public enum CNIErrorCode {
    public static let incompatibleVersion = 1
    public static let unsupportedField = 2
    public static let unknownContainer = 3
    public static let invalidEnvironment = 4
    public static let ioFailure = 5
    public static let decodingFailure = 6
    public static let invalidConfiguration = 7
    public static let tryAgainLater = 11
    public static let notAvailable = 50
    public static let limitedConnectivity = 51

    // Codes 100 and up are the plugin's own (the spec reserves 0–99); the agent and the
    // plugin share them, so one number never means two things.
    /// CHECK found the attachment not as ADD left it.
    public static let attachmentMismatch = 100
    /// The kernel refused a change the plugin needed (its message says which).
    public static let kernelFailure = 101
    /// This host's subnet has no address left.
    public static let subnetFull = 102
}
