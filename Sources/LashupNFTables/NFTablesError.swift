/// What went wrong programming nftables.
public enum NFTablesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `nft` is not installed (or not where looked for).
    case unavailable(String)
    /// `nft` refused the script: its message, and the script line it points at when it says.
    case rejected(message: String, line: Int?, text: String?)
    /// Without CAP_NET_ADMIN.
    case permission(String)
    /// The table read back is not what was written (elements not in nft's canonical form).
    case mismatch(String)
    /// `nft -j` printed something this reader does not understand.
    case unreadable(String)

    public var description: String {
        switch self {
        case let .unavailable(why): "nftables unavailable: \(why)"
        case let .rejected(message, line, text):
            "nft refused the change: \(message)" + (line.map { " (line \($0)" + (text.map { ": \($0.trimmingCharacters())" } ?? "") + ")" } ?? "")
        case let .permission(message): "nftables: \(message) (needs root or CAP_NET_ADMIN)"
        case let .mismatch(what): "nftables: the kernel holds other than what was written: \(what)"
        case let .unreadable(what): "nftables: cannot read nft's output: \(what)"
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
