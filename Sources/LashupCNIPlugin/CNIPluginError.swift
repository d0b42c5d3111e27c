import LashupCNIProtocol

/// A failure as the CNI specification reports it: a code, a message naming what was wrong,
/// optional details. The plugin prints it as the error result and exits 1.
public struct CNIPluginError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var details: String?

    public init(code: Int, _ message: String, details: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// The agent's own error, passed on unchanged: it already names the problem.
    public init(_ error: AttachmentError) {
        self.init(code: error.code, error.message, details: error.details)
    }

    public var description: String { "CNI error \(code): \(message)" + (details.map { " (\($0))" } ?? "") }

    static func invalidEnvironment(_ message: String) -> CNIPluginError {
        CNIPluginError(code: CNIErrorCode.invalidEnvironment, message)
    }

    static func invalidConfiguration(_ message: String) -> CNIPluginError {
        CNIPluginError(code: CNIErrorCode.invalidConfiguration, message)
    }
}
