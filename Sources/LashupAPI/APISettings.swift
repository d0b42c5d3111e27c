import LashupCluster

/// The REST API's settings (`APIOptions` are their flags), read from the agent's
/// `ServiceSettings`; each bad value is an error naming the flag.
public struct APISettings: Sendable {
    public var host: String
    public var port: Int
    /// Required when the API listens beyond loopback: every request must carry it.
    public var token: String?

    public static let defaultAddress = "127.0.0.1:62080"

    public init(_ settings: ServiceSettings) throws(SettingError) {
        let address = settings.value("api") ?? Self.defaultAddress
        guard let (host, port) = HostPort.parse(address) else {
            throw SettingError("--api \"\(address)\" is not HOST:PORT")
        }
        (self.host, self.port) = (host, port)
        token = settings.value("api_token")
        if !Self.isLoopback(host), (token ?? "").isEmpty {
            throw SettingError("--api \(host) is not loopback: set --api-token (or LASHUP_API_TOKEN) so every request must carry it")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
