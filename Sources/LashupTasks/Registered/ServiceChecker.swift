import LashupCRDT
import LashupCluster
import LashupLB

/// Runs one check of a registered service: a TCP connect, or an HTTP GET that passes on a
/// 2xx or 3xx status. Returns nil when it passed, else why it failed.
enum ServiceChecker {
    static func run(_ check: ServiceCheck, of service: RegisteredService) async -> String? {
        let timeout = Duration.milliseconds(check.timeoutMilliseconds)
        switch check.kind {
        case .tcp:
            let text = check.target ?? HostPort.format(host: service.address, port: Int(service.port))
            guard let (host, port) = HostPort.parse(text), let address = IPAddress(host), port > 0 else { return "\(text) is not IP:PORT" }
            let outcome = await TCPConnectProber(timeout: timeout).probe([ProbeTarget(address: address, port: UInt16(port))]).first?.1
            switch outcome {
            case .connected?: return nil
            case let .failed(reason)?: return "TCP \(text): \(reason)"
            case let .notProbed(reason)?: return "TCP \(text) not tried: \(reason)"
            case nil: return "TCP \(text): no outcome"
            }
        case .http:
            return await http(check.target ?? "", timeout: timeout)
        }
    }

    /// `GET url` (`http://host[:port]/path`); passes on a 2xx or 3xx status.
    static func http(_ url: String, timeout: Duration) async -> String? {
        guard url.hasPrefix("http://") else { return "\(url) is not an http:// URL" }
        let rest = url.dropFirst("http://".count)
        let authority = String(rest.prefix { $0 != "/" })
        let path = String(rest.dropFirst(authority.count))
        guard let (host, port) = HostPort.parse(authority) ?? (authority.isEmpty ? nil : (authority, 80)) else { return "\(url): no host" }
        let nanoseconds = Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let client = SimpleHTTPClient(.tcp(host: host, port: port), timeout: .nanoseconds(nanoseconds))
        do {
            let status = try await client.request(.GET, path.isEmpty ? "/" : path).status
            return (200..<400).contains(status) ? nil : "HTTP \(url): status \(status)"
        } catch {
            return "HTTP \(url): \(error)"
        }
    }
}
