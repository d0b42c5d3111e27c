import Foundation
import LashupCluster
import LashupCRDT
import LashupDNS

/// DNS's settings (`DNSOptions` are their flags), read from the agent's `ServiceSettings`;
/// each bad value is one error naming the flag.
public struct DNSSettings: Sendable {
    /// Listeners; empty when DNS is off (`--dns none`).
    public var listen: [(host: String, port: Int)]
    public var upstreams: [Upstream]
    public var forwardZones: [ForwardZone]
    public var order: AnswerOrder

    /// Default listener: 127.0.0.1:8053 with --dev (several dev agents: give each its own),
    /// otherwise 127.0.0.1:53.
    static func defaultListen(development: Bool) -> String { development ? "127.0.0.1:8053" : "127.0.0.1:53" }

    /// - Parameter development: the agent's `--dev` mode, which changes the default listener.
    public init(_ settings: ServiceSettings, development: Bool, resolvConf: String = "/etc/resolv.conf") throws(SettingError) {
        let listenText = settings.value("dns") ?? Self.defaultListen(development: development)
        listen = []
        if listenText != "none" {
            for item in Self.list(listenText) {
                guard let (host, port) = HostPort.parse(item), IPAddress(host) != nil else {
                    throw SettingError("--dns \"\(item)\" is not IP:PORT (an address, not a name; \"none\" turns DNS off)")
                }
                guard !["0.0.0.0", "::"].contains(host) else {
                    throw SettingError("--dns \(item): give each address to answer on, not the wildcard (answers must come from the address asked)")
                }
                listen.append((host, port))
            }
        }
        if let text = settings.value("upstream") {
            upstreams = []
            if text != "none" {
                for item in Self.list(text) {
                    do { upstreams.append(try Upstream(item)) } catch {
                        throw SettingError("--upstream \"\(item)\" is not IP[:PORT] (\"none\": answer SERVFAIL for names we do not hold)")
                    }
                }
            }
        } else {
            let listeners = listen
            upstreams = Self.nameServers(resolvConf: resolvConf).filter { upstream in
                !listeners.contains { IPAddress($0.host) == upstream.address && $0.port == Int(upstream.port) }
            }
        }
        forwardZones = []
        for item in Self.list(settings.value("forward_zone") ?? "") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let zone = try? DomainName(parts[0]), zone != .root else {
                throw SettingError("--forward-zone \"\(item)\" is not ZONE=IP[:PORT] (several resolvers: ZONE=IP1;IP2)")
            }
            var resolvers: [Upstream] = []
            for resolver in parts[1].split(separator: ";").map(String.init) {
                do { resolvers.append(try Upstream(resolver)) } catch {
                    throw SettingError("--forward-zone \"\(item)\": \(resolver) is not IP[:PORT]")
                }
            }
            if let index = forwardZones.firstIndex(where: { $0.zone == zone.lowercased }) {
                forwardZones[index].upstreams += resolvers
            } else {
                forwardZones.append(ForwardZone(zone: zone, upstreams: resolvers))
            }
        }
        let orderText = settings.value("dns_order") ?? AnswerOrder.roundRobin.rawValue
        guard let order = AnswerOrder(rawValue: orderText) else {
            throw SettingError("--dns-order \"\(orderText)\": use one of \(AnswerOrder.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.order = order
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `nameserver` lines of resolv.conf (none if it is missing).
    static func nameServers(resolvConf: String) -> [Upstream] {
        guard let text = try? String(contentsOfFile: resolvConf, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            return try? Upstream(String(fields[1]))
        }
    }
}
