/// `HOST:PORT` addresses as flags and peers write them: `10.0.0.1:62001`, `node-a:62001`,
/// `[::1]:62001`.
public enum HostPort {
    /// Splits an address, or nil when it is not `HOST:PORT` with a port in 0...65535.
    public static func parse(_ text: String) -> (host: String, port: Int)? {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Writes an address back, bracketing IPv6 hosts.
    public static func format(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
