import Foundation
import LashupCRDT
import LashupCluster
import Logging

/// The node's settings (`NodeOptions` are their flags), resolved and checked: name, cluster,
/// gossip addresses, contacts, data directory, TLS. Other services read their own (the API's
/// in `APISettings`, DNS's in `DNSSettings`) from the same `ServiceSettings`.
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
    public var dataDirectory: String
    public var tlsCA: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var development: Bool

    /// Resolves settings given as one dictionary (tests, the benches' standalone agent).
    public init(settings: [String: String], home: String, hostName: String) throws(RuntimeError) {
        try self.init(ServiceSettings(file: settings), home: home, hostName: hostName)
    }

    /// Reads the node's settings; every bad value is an error naming the setting.
    public init(_ settings: ServiceSettings, home: String, hostName: String) throws(RuntimeError) {
        development = try Self.development(settings)
        name = settings.value("name") ?? hostName
        guard !name.isEmpty, name.utf8.count <= 64,
              name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) })
        else {
            throw RuntimeError("--name \"\(name)\": node names are 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' and '.'")
        }
        cluster = settings.value("cluster") ?? "lashup"
        (bindHost, bindPort) = try Self.address(settings.value("bind") ?? "127.0.0.1:62001", setting: "bind")
        advertise = settings.value("advertise")
        if let advertise, HostPort.parse(advertise) == nil {
            throw RuntimeError("--advertise \"\(advertise)\" is not HOST:PORT")
        }
        if advertise == nil, ["0.0.0.0", "::"].contains(bindHost) {
            throw RuntimeError("--bind \(bindHost) listens on every address; say which one peers use with --advertise HOST:PORT")
        }
        join = Self.list(settings.value("join"))
        for contact in join where HostPort.parse(contact) == nil {
            throw RuntimeError("--join \"\(contact)\" is not HOST:PORT")
        }
        publicIPs = Self.list(settings.value("public_ip"))
        for address in publicIPs where IPAddress(address) == nil {
            throw RuntimeError("--public-ip \"\(address)\" is not an IPv4 or IPv6 address")
        }
        dataDirectory = settings.value("data_dir") ?? (development ? "\(home)/.lashup/data/\(name)" : "/var/lib/lashup")
        tlsCA = settings.value("tls_ca")
        tlsCertificate = settings.value("tls_cert")
        tlsKey = settings.value("tls_key")
        let tlsGiven = [tlsCA, tlsCertificate, tlsKey].compactMap { $0 }.count
        if tlsGiven != 0, tlsGiven != 3 {
            throw RuntimeError("--tls-ca, --tls-cert and --tls-key go together: give all three")
        }
        if tlsGiven == 0, !development {
            throw RuntimeError("node-to-node traffic needs TLS: give --tls-ca, --tls-cert and --tls-key (see `lashup tls`), or --dev for a local development CA")
        }
    }

    /// The `dev` setting, which other services read too (it changes their defaults).
    public static func development(_ settings: ServiceSettings) throws(RuntimeError) -> Bool {
        try boolean(settings.value("dev") ?? "false", setting: "dev")
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
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
        default: throw RuntimeError("\(ServiceSettings.environmentName(setting)) \"\(text)\": expected true or false")
        }
    }
}
