import Foundation
import LashupCluster
import LashupCRDT
import LashupDNS
import LashupRuntime

/// The agent's DNS settings, parsed from its configuration; each bad value is one error
/// naming the flag.
struct DNSSettings {
    /// Listeners; empty when DNS is off (`--dns none`).
    var listen: [(host: String, port: Int)]
    var upstreams: [Upstream]
    var forwardZones: [ForwardZone]
    var order: AnswerOrder

    /// Default listener: 127.0.0.1:8053 with --dev (several dev agents: give each its own),
    /// otherwise 127.0.0.1:53.
    static func defaultListen(development: Bool) -> String { development ? "127.0.0.1:8053" : "127.0.0.1:53" }

    init(_ configuration: AgentConfiguration, resolvConf: String = "/etc/resolv.conf") throws(RuntimeError) {
        let listenText = configuration.dnsListen ?? Self.defaultListen(development: configuration.development)
        listen = []
        if listenText != "none" {
            for item in Self.list(listenText) {
                guard let (host, port) = HostPort.parse(item), IPAddress(host) != nil else {
                    throw RuntimeError("--dns \"\(item)\" is not IP:PORT (an address, not a name; \"none\" turns DNS off)")
                }
                guard !["0.0.0.0", "::"].contains(host) else {
                    throw RuntimeError("--dns \(item): give each address to answer on, not the wildcard (answers must come from the address asked)")
                }
                listen.append((host, port))
            }
        }
        if let text = configuration.dnsUpstreams {
            upstreams = []
            if text != "none" {
                for item in Self.list(text) {
                    do { upstreams.append(try Upstream(item)) } catch {
                        throw RuntimeError("--upstream \"\(item)\" is not IP[:PORT] (\"none\": answer SERVFAIL for names we do not hold)")
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
        for item in Self.list(configuration.dnsForwardZones ?? "") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let zone = try? DomainName(parts[0]), zone != .root else {
                throw RuntimeError("--forward-zone \"\(item)\" is not ZONE=IP[:PORT] (several resolvers: ZONE=IP1;IP2)")
            }
            var resolvers: [Upstream] = []
            for resolver in parts[1].split(separator: ";").map(String.init) {
                do { resolvers.append(try Upstream(resolver)) } catch {
                    throw RuntimeError("--forward-zone \"\(item)\": \(resolver) is not IP[:PORT]")
                }
            }
            if let index = forwardZones.firstIndex(where: { $0.zone == zone.lowercased }) {
                forwardZones[index].upstreams += resolvers
            } else {
                forwardZones.append(ForwardZone(zone: zone, upstreams: resolvers))
            }
        }
        let orderText = configuration.dnsOrder ?? AnswerOrder.roundRobin.rawValue
        guard let order = AnswerOrder(rawValue: orderText) else {
            throw RuntimeError("--dns-order \"\(orderText)\": use one of \(AnswerOrder.allCases.map(\.rawValue).joined(separator: ", "))")
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
