import Foundation
import LashupCNIProtocol

/// The network configuration a runtime writes on stdin: the spec's fields this plugin uses
/// and its own two. Unknown fields (`ipam`, `args`, `runtimeConfig`, a `prevResult`) are
/// ignored: a chained plugin's result is not an input to this one.
public struct NetworkConfiguration: Equatable, Sendable {
    /// Longest configuration read from stdin; a runtime's is a few hundred bytes, and GC's
    /// list of valid attachments a few hundred kilobytes for thousands of containers.
    public static let maximumBytes = 1 << 20
    /// The overlay an unconfigured plugin attaches to (the agent's default overlay).
    public static let defaultOverlay = "dcos"

    public var cniVersion: CNIVersion
    public var name: String
    public var type: String?
    /// Which of the agent's overlays to allocate from (`"overlay"`, default `dcos`).
    public var overlay: String
    /// The agent's unix socket (`"socket"`, default `/run/lashup/cni.sock`).
    public var socketPath: String
    /// GC only (`cni.dev/valid-attachments`): the attachments the runtime still knows.
    public var validAttachments: [AttachmentID]?

    public init(cniVersion: CNIVersion = .current, name: String, type: String? = "lashup-cni", overlay: String = Self.defaultOverlay,
                socketPath: String = AttachmentProtocol.defaultSocketPath, validAttachments: [AttachmentID]? = nil) {
        self.cniVersion = cniVersion
        self.name = name
        self.type = type
        self.overlay = overlay
        self.socketPath = socketPath
        self.validAttachments = validAttachments
    }

    /// Decodes `bytes`: not JSON → code 6; a missing or mistyped field → 7; a version this
    /// plugin does not speak → 1.
    public init(decoding bytes: [UInt8]) throws(CNIPluginError) {
        guard bytes.count <= Self.maximumBytes else {
            throw CNIPluginError(code: CNIErrorCode.decodingFailure, "the network configuration on stdin is longer than \(Self.maximumBytes) bytes")
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw CNIPluginError(code: CNIErrorCode.decodingFailure, "the network configuration on stdin is not JSON", details: Self.explain(context))
        } catch let error as DecodingError {
            throw CNIPluginError(code: CNIErrorCode.invalidConfiguration, "the network configuration is invalid: \(Self.explain(error))")
        } catch {
            throw CNIPluginError(code: CNIErrorCode.decodingFailure, "the network configuration on stdin cannot be read", details: "\(error)")
        }
        guard let version = CNIVersion(wire.cniVersion) else {
            throw CNIPluginError(code: CNIErrorCode.invalidConfiguration, "cniVersion \(wire.cniVersion) is not a version (MAJOR.MINOR.PATCH)")
        }
        guard version.isSupported else {
            throw CNIPluginError(code: CNIErrorCode.incompatibleVersion, "cniVersion \(version) is not supported by lashup-cni",
                                 details: "supported: " + CNIVersion.supported.map(\.description).joined(separator: ", "))
        }
        guard !wire.name.isEmpty else { throw .invalidConfiguration("the network configuration's name is empty") }
        if let overlay = wire.overlay, overlay.isEmpty { throw .invalidConfiguration("the network configuration's overlay is empty (leave it out for \(Self.defaultOverlay))") }
        if let socket = wire.socket, !socket.hasPrefix("/") {
            throw .invalidConfiguration("the network configuration's socket \(socket) is not an absolute path")
        }
        self.init(cniVersion: version, name: wire.name, type: wire.type, overlay: wire.overlay ?? Self.defaultOverlay,
                  socketPath: wire.socket ?? AttachmentProtocol.defaultSocketPath,
                  validAttachments: wire.validAttachments?.map { AttachmentID(containerID: $0.containerID, interfaceName: $0.ifname) })
    }

    /// The configuration's JSON shape.
    struct Wire: Decodable {
        var cniVersion: String
        var name: String
        var type: String?
        var overlay: String?
        var socket: String?
        var validAttachments: [ValidAttachment]?

        struct ValidAttachment: Decodable {
            var containerID: String
            var ifname: String
        }

        enum CodingKeys: String, CodingKey {
            case cniVersion, name, type, overlay, socket
            case validAttachments = "cni.dev/valid-attachments"
        }
    }

    static func explain(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, context):
            return "field \(path(context.codingPath + [key])) is missing"
        case let .typeMismatch(type, context):
            return "field \(path(context.codingPath)) is not \(describe(type))"
        case let .valueNotFound(type, context):
            return "field \(path(context.codingPath)) is null, not \(describe(type))"
        case let .dataCorrupted(context):
            return explain(context)
        @unknown default:
            return "\(error)"
        }
    }

    static func explain(_ context: DecodingError.Context) -> String {
        context.codingPath.isEmpty ? context.debugDescription : "field \(path(context.codingPath)): \(context.debugDescription)"
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type is [Any].Type || type is [Wire.ValidAttachment].Type { return "a list" }
        return "\(type)"
    }
}
