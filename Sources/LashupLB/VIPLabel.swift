import LashupCRDT
import LashupDNS

/// Why a VIP label was not accepted.
public struct VIPLabelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var label: String
    public var reason: String

    public var description: String { "VIP label \"\(label)\": \(reason)" }
}

/// VIP labels as tasks carry them (`/name:port`, `name:port`, `ip:port`, and `tcp://…` /
/// `udp://…` in `VIP_PORT<n>` labels), split at the last colon so IPv6 addresses work.
public enum VIPLabel {
    /// Longest label considered (a DNS name is at most 253 bytes).
    public static let maximumLength = 256

    /// The target and port of `label`. A name becomes sanitised dot-separated labels with
    /// `framework`'s appended (the original's `<label>.<framework>`); `/` is dropped.
    public static func parse(_ label: String, framework: String? = nil) throws(VIPLabelError) -> (target: VIPTarget, port: UInt16) {
        func failure(_ reason: String) -> VIPLabelError { VIPLabelError(label: label, reason: reason) }
        guard label.utf8.count <= maximumLength else { throw failure("longer than \(maximumLength) bytes") }
        guard let colon = label.lastIndex(of: ":") else { throw failure("no port: expected name:port or ip:port") }
        let portText = label[label.index(after: colon)...]
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), portText.count <= 5,
              let port = UInt16(portText), port > 0
        else { throw failure("port \"\(portText)\" is not a number from 1 to 65535") }
        var host = String(label[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let address = IPAddress(host) { return (.address(address), port) }
        if host.contains(":") { throw failure("\"\(host)\" is neither an IP address nor a name") }
        var pieces = host.filter { $0 != "/" }.split(separator: ".").map { LabelSanitising.label(String($0)) }.filter { !$0.isEmpty }
        guard !pieces.isEmpty else { throw failure("no name left after sanitising \"\(host)\"") }
        if let framework {
            let sanitised = LabelSanitising.label(framework)
            if !sanitised.isEmpty { pieces.append(sanitised) }
        }
        let name = pieces.joined(separator: ".")
        guard name.utf8.count + NamedVIPAddresses.zone.utf8.count + 1 <= 253 else { throw failure("the DNS name would be longer than 253 bytes") }
        return (.name(name), port)
    }

    /// A `VIP_PORT<n>` label value: `tcp://<vip>` or `udp://<vip>`.
    public static func parseWithProtocol(_ value: String, framework: String? = nil) throws(VIPLabelError) -> VIPKey {
        guard let separator = value.range(of: "://") else { throw VIPLabelError(label: value, reason: "expected tcp://<vip> or udp://<vip>") }
        guard let transport = VIPProtocol(rawValue: value[..<separator.lowerBound].lowercased()) else {
            throw VIPLabelError(label: value, reason: "protocol \"\(value[..<separator.lowerBound])\" is neither tcp nor udp")
        }
        let (target, port) = try parse(String(value[separator.upperBound...]), framework: framework)
        return VIPKey(transport, target, port: port)
    }
}
