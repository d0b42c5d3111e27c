import LashupCNIProtocol

/// The CNI_* variables a runtime sets for one invocation, checked for what `command` needs.
public struct CNIEnvironment: Equatable, Sendable {
    /// The operations a runtime asks for in CNI_COMMAND.
    public enum Command: String, Sendable, CaseIterable {
        case add = "ADD"
        case delete = "DEL"
        case check = "CHECK"
        case garbageCollect = "GC"
        case status = "STATUS"
        case version = "VERSION"
    }

    public var command: Command
    public var containerID: String?
    /// The container's network namespace path; may be empty on DEL (the namespace is gone).
    public var namespacePath: String?
    public var interfaceName: String?
    public var arguments: String?
    public var pluginPaths: [String]

    /// Reads and validates `environment`. ADD and CHECK need a container id, a namespace and
    /// an interface name; DEL needs the id and the name (not the namespace, which may be gone);
    /// GC, STATUS and VERSION need none.
    public init(_ environment: [String: String]) throws(CNIPluginError) {
        guard let raw = environment["CNI_COMMAND"], !raw.isEmpty else {
            throw .invalidEnvironment("CNI_COMMAND is not set: this is a CNI plugin, run by a container runtime with CNI_COMMAND=ADD, DEL, CHECK, GC, STATUS or VERSION")
        }
        guard let command = Command(rawValue: raw) else {
            throw .invalidEnvironment("CNI_COMMAND \(raw) is not one of ADD, DEL, CHECK, GC, STATUS, VERSION")
        }
        self.command = command
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        containerID = value("CNI_CONTAINERID")
        namespacePath = value("CNI_NETNS")
        interfaceName = value("CNI_IFNAME")
        arguments = value("CNI_ARGS")
        pluginPaths = value("CNI_PATH").map { $0.split(separator: ":").map(String.init) } ?? []

        switch command {
        case .add, .check, .delete:
            guard let containerID else { throw .invalidEnvironment("CNI_CONTAINERID is not set (\(raw) needs the container's id)") }
            guard Self.isValidContainerID(containerID) else {
                throw .invalidEnvironment("CNI_CONTAINERID \(containerID) is not a container id: letters, digits, '_', '.' and '-', starting with a letter or digit")
            }
            guard let interfaceName else { throw .invalidEnvironment("CNI_IFNAME is not set (\(raw) needs the container's interface name)") }
            if let problem = Self.interfaceNameProblem(interfaceName) {
                throw .invalidEnvironment("CNI_IFNAME \(interfaceName) \(problem)")
            }
            if command != .delete, namespacePath == nil {
                throw .invalidEnvironment("CNI_NETNS is not set (\(raw) needs the container's network namespace path)")
            }
        case .garbageCollect, .status, .version:
            break
        }
    }

    /// The attachment this invocation is about (ADD, DEL, CHECK).
    public var attachment: AttachmentID? {
        guard let containerID, let interfaceName else { return nil }
        return AttachmentID(containerID: containerID, interfaceName: interfaceName)
    }

    /// The spec's rule for container ids (what libcni enforces too).
    static func isValidContainerID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, isAlphanumeric(first) else { return false }
        return id.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    /// Why the kernel would refuse `name` as an interface name, or nil.
    static func interfaceNameProblem(_ name: String) -> String? {
        if name.utf8.count > 15 { return "is longer than the kernel's 15 bytes" }
        if name == "." || name == ".." { return "is not an interface name" }
        if name.unicodeScalars.contains(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace }) {
            return "contains '/', ':' or white space"
        }
        return nil
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
