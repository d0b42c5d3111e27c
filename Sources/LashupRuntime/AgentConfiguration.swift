import Foundation
import LashupCRDT
import LashupCluster
import Logging

/// Everything `lashup agent` needs, resolved and checked. Settings come from flags, then
/// `LASHUP_*` environment variables, then a JSON config file, then defaults (the first that
/// sets a value wins), so one file can describe a fleet and a flag can override it per host.
public struct AgentConfiguration: Sendable {
    public var name: String
    public var cluster: String
    public var bindHost: String
    public var bindPort: Int
    /// Where other nodes reach this one; nil: the bound address.
    public var advertise: String?
    public var join: [String]
    /// Addresses reachable from outside the cluster, published in this node's metadata
    /// (`/v1/nodes`, `public.thisnode.thisdcos.directory`).
    public var publicIPs: [String]
    public var apiHost: String
    public var apiPort: Int
    /// Required when the API listens beyond loopback: every request must carry it.
    public var apiToken: String?
    public var dataDirectory: String
    public var tlsCA: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var development: Bool
    public var logLevel: Logger.Level
    /// DNS listeners as given (`HOST:PORT,…`, or `none`); nil: the default for the mode.
    /// Parsed and checked by the DNS service, which owns their meaning.
    public var dnsListen: String?
    /// Upstream resolvers as given (`IP[:PORT],…` or `none`); nil: /etc/resolv.conf.
    public var dnsUpstreams: String?
    /// Forward zones as given (`ZONE=IP[:PORT],…`).
    public var dnsForwardZones: String?
    /// Answer order: round_robin, random or none.
    public var dnsOrder: String?

    /// The settings every source can set, by their config-file names.
    public static let settingNames = [
        "name", "cluster", "bind", "advertise", "join", "public_ip", "api", "api_token", "data_dir",
        "tls_ca", "tls_cert", "tls_key", "dev", "log_level", "dns", "upstream", "forward_zone", "dns_order",
    ]

    /// The environment variable of a setting: `data_dir` → `LASHUP_DATA_DIR`.
    public static func environmentName(_ setting: String) -> String { "LASHUP_" + setting.uppercased() }

    /// Reads a JSON object of settings; unknown names and non-scalar values are errors.
    public static func settings(fromFile path: String) throws(RuntimeError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("config file \(path) does not exist or is not readable")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw RuntimeError("config file \(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw RuntimeError("config file \(path) must hold a JSON object of settings")
        }
        var settings: [String: String] = [:]
        for (name, value) in dictionary {
            guard settingNames.contains(name) else {
                throw RuntimeError("config file \(path): unknown setting \"\(name)\" (known: \(settingNames.joined(separator: ", ")))")
            }
            switch value {
            case let text as String: settings[name] = text
            case let list as [String]: settings[name] = list.joined(separator: ",")
            case let number as NSNumber:
                // Booleans arrive as numbers too; "1"/"0" read back as true/false.
                settings[name] = number.stringValue
            default:
                throw RuntimeError("config file \(path): setting \"\(name)\" must be a string, number, boolean or list of strings")
            }
        }
        return settings
    }

    /// Settings from `LASHUP_*` variables.
    public static func settings(fromEnvironment environment: [String: String]) -> [String: String] {
        var settings: [String: String] = [:]
        for name in settingNames {
            if let value = environment[environmentName(name)], !value.isEmpty { settings[name] = value }
        }
        return settings
    }

    /// Resolves merged settings; every bad value is an error naming the setting.
    public init(settings: [String: String], home: String, hostName: String) throws(RuntimeError) {
        development = try Self.boolean(settings["dev"] ?? "false", setting: "dev")
        name = settings["name"] ?? hostName
        guard !name.isEmpty, name.utf8.count <= 64,
              name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) })
        else {
            throw RuntimeError("--name \"\(name)\": node names are 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' and '.'")
        }
        cluster = settings["cluster"] ?? "lashup"
        (bindHost, bindPort) = try Self.address(settings["bind"] ?? "127.0.0.1:62001", setting: "bind")
        advertise = settings["advertise"]
        if let advertise, HostPort.parse(advertise) == nil {
            throw RuntimeError("--advertise \"\(advertise)\" is not HOST:PORT")
        }
        if advertise == nil, ["0.0.0.0", "::"].contains(bindHost) {
            throw RuntimeError("--bind \(bindHost) listens on every address; say which one peers use with --advertise HOST:PORT")
        }
        join = (settings["join"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for contact in join where HostPort.parse(contact) == nil {
            throw RuntimeError("--join \"\(contact)\" is not HOST:PORT")
        }
        publicIPs = (settings["public_ip"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for address in publicIPs where IPAddress(address) == nil {
            throw RuntimeError("--public-ip \"\(address)\" is not an IPv4 or IPv6 address")
        }
        (apiHost, apiPort) = try Self.address(settings["api"] ?? "127.0.0.1:62080", setting: "api")
        apiToken = settings["api_token"]
        if !Self.isLoopback(apiHost), (apiToken ?? "").isEmpty {
            throw RuntimeError("--api \(apiHost) is not loopback: set --api-token (or LASHUP_API_TOKEN) so every request must carry it")
        }
        dataDirectory = settings["data_dir"] ?? (development ? "\(home)/.lashup/data/\(name)" : "/var/lib/lashup")
        tlsCA = settings["tls_ca"]
        tlsCertificate = settings["tls_cert"]
        tlsKey = settings["tls_key"]
        let tlsGiven = [tlsCA, tlsCertificate, tlsKey].compactMap { $0 }.count
        if tlsGiven != 0, tlsGiven != 3 {
            throw RuntimeError("--tls-ca, --tls-cert and --tls-key go together: give all three")
        }
        if tlsGiven == 0, !development {
            throw RuntimeError("node-to-node traffic needs TLS: give --tls-ca, --tls-cert and --tls-key (see `lashup tls`), or --dev for a local development CA")
        }
        let level = settings["log_level"] ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw RuntimeError("--log-level \"\(level)\": use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        logLevel = parsed
        dnsListen = settings["dns"]
        dnsUpstreams = settings["upstream"]
        dnsForwardZones = settings["forward_zone"]
        dnsOrder = settings["dns_order"]
    }

    static func address(_ text: String, setting: String) throws(RuntimeError) -> (String, Int) {
        guard let parsed = HostPort.parse(text) else {
            throw RuntimeError("--\(setting.replacingOccurrences(of: "_", with: "-")) \"\(text)\" is not HOST:PORT")
        }
        return parsed
    }

    static func boolean(_ text: String, setting: String) throws(RuntimeError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no": return false
        default: throw RuntimeError("\(environmentName(setting)) \"\(text)\": expected true or false")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
