import Foundation

/// What ADD reports: the interfaces made, the container's addresses, its routes and DNS
/// servers. Rendered in the shape of the configuration's cniVersion.
public struct CNIResult: Equatable, Sendable {
    /// One interface; `sandbox` (the namespace path) marks the container's. Runtimes such as
    /// podman require a MAC on it.
    public struct Interface: Equatable, Sendable {
        public var name: String
        public var mac: String?
        public var mtu: Int?
        public var sandbox: String?

        public init(name: String, mac: String? = nil, mtu: Int? = nil, sandbox: String? = nil) {
            self.name = name
            self.mac = mac
            self.mtu = mtu
            self.sandbox = sandbox
        }
    }

    /// An address with its prefix length (`9.0.3.5/24`) on `interfaces[interface]`.
    public struct IPConfiguration: Equatable, Sendable {
        public var address: String
        public var gateway: String?
        public var interface: Int?

        public init(address: String, gateway: String? = nil, interface: Int? = nil) {
            self.address = address
            self.gateway = gateway
            self.interface = interface
        }

        var isIPv4: Bool { !address.contains(":") }
    }

    public struct Route: Equatable, Sendable {
        public var destination: String
        public var gateway: String?

        public init(destination: String, gateway: String? = nil) {
            self.destination = destination
            self.gateway = gateway
        }
    }

    public var interfaces: [Interface]
    public var ips: [IPConfiguration]
    public var routes: [Route]
    public var nameservers: [String]

    public init(interfaces: [Interface], ips: [IPConfiguration], routes: [Route], nameservers: [String]) {
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.nameservers = nameservers
    }

    /// The result JSON for `version`: 0.3.x and 0.4.0 tag each IP with its `version` ("4" or
    /// "6"), which 1.0.0 removed; interface MTUs exist from 1.1.0 on.
    public func json(version: CNIVersion) -> String {
        let legacy = version < CNIVersion(1, 0, 0)
        let withMTU = version >= CNIVersion(1, 1, 0)
        let wire = Wire(
            cniVersion: version.description,
            interfaces: interfaces.map { Wire.Interface(name: $0.name, mac: $0.mac, mtu: withMTU ? $0.mtu : nil, sandbox: $0.sandbox) },
            ips: ips.map { Wire.IP(version: legacy ? ($0.isIPv4 ? "4" : "6") : nil, address: $0.address, gateway: $0.gateway, interface: $0.interface) },
            routes: routes.map { Wire.Route(dst: $0.destination, gw: $0.gateway) },
            dns: Wire.DNS(nameservers: nameservers.isEmpty ? nil : nameservers)
        )
        return CNIJSON.encode(wire)
    }

    /// The spec's JSON field names; nil fields are left out.
    struct Wire: Encodable {
        struct Interface: Encodable {
            var name: String
            var mac: String?
            var mtu: Int?
            var sandbox: String?
        }

        struct IP: Encodable {
            var version: String?
            var address: String
            var gateway: String?
            var interface: Int?
        }

        struct Route: Encodable {
            var dst: String
            var gw: String?
        }

        struct DNS: Encodable {
            var nameservers: [String]?
        }

        var cniVersion: String
        var interfaces: [Interface]
        var ips: [IP]
        var routes: [Route]
        var dns: DNS
    }
}

/// The plugin's JSON writer: sorted keys so output is stable (tests compare it), slashes
/// unescaped so paths read as paths.
enum CNIJSON {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs of strings and integers cannot fail.
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The error result of the spec (`code`, `msg`, `details`) for `version`.
    static func error(_ error: CNIPluginError, version: CNIVersion) -> String {
        struct Wire: Encodable {
            var cniVersion: String
            var code: Int
            var msg: String
            var details: String?
        }
        return encode(Wire(cniVersion: version.description, code: error.code, msg: error.message, details: error.details))
    }

    /// VERSION's answer: the versions a configuration may name.
    static func versionInformation() -> String {
        struct Wire: Encodable {
            var cniVersion: String
            var supportedVersions: [String]
        }
        return encode(Wire(cniVersion: CNIVersion.current.description, supportedVersions: CNIVersion.supported.map(\.description)))
    }
}
