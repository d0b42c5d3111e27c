import Hummingbird
import LashupDNS
import LashupDNSServer

/// The DNS part of the REST API (dcos-net's shapes), read from the zones being served:
/// - `GET /v1/records` → `[{name, host, rtype}]` (for SRV, host is `target:port`);
/// - `GET /v1/hosts/:host` → `[{host, ip}]`, the A and AAAA records of a name;
/// - `GET /v1/services/:service` → `[{host, port, service, ip}]` from the SRV records of a
///   name, with each target's addresses.
enum DNSRoutes {
    static func add(to router: Router<BasicRequestContext>, dns: DNSService?) {
        router.get("/v1/records") { _, _ in
            await AgentRoutes.respond { () throws(APIError) in
                let zones = try table(dns)
                var rows: [JSONValue] = []
                for apex in zones.zones.keys.sorted(by: { $0.description < $1.description }) {
                    for record in zones.zones[apex]!.allRecords {
                        rows.append(.object(["name": .string(record.name.relativeDescription), "host": .string(host(record.data)), "rtype": .string(record.data.type.description)]))
                    }
                }
                return AgentRoutes.json(.array(rows))
            }
        }
        router.get("/v1/hosts/:host") { _, context in
            await AgentRoutes.respond { () throws(APIError) in
                let zones = try table(dns)
                let name = try name(context, "host")
                let rows = addresses(of: name, in: zones).map { address -> JSONValue in
                    .object(["host": .string(name.relativeDescription), "ip": .string(address)])
                }
                return AgentRoutes.json(.array(rows))
            }
        }
        router.get("/v1/services/:service") { _, context in
            await AgentRoutes.respond { () throws(APIError) in
                let zones = try table(dns)
                let name = try name(context, "service")
                var rows: [JSONValue] = []
                if let zone = zones.zone(for: name), case let .records(data) = zone.lookup(name, type: .srv) {
                    for case let .srv(srv) in data {
                        for address in addresses(of: srv.target, in: zones) {
                            rows.append(.object([
                                "host": .string(srv.target.relativeDescription), "port": .integer(Int64(srv.port)),
                                "service": .string(name.relativeDescription), "ip": .string(address),
                            ]))
                        }
                    }
                }
                return AgentRoutes.json(.array(rows))
            }
        }
    }

    static func table(_ dns: DNSService?) throws(APIError) -> ZoneTable {
        guard let dns else { throw .notFound("DNS is off on this agent (started with --dns none)") }
        return dns.zones
    }

    static func name(_ context: BasicRequestContext, _ parameter: String) throws(APIError) -> DomainName {
        let text = context.parameters.get(parameter) ?? ""
        do {
            return try DomainName(text).lowercased
        } catch {
            throw .badRequest("\(parameter) \"\(text)\": \(error)")
        }
    }

    static func addresses(of name: DomainName, in zones: ZoneTable) -> [String] {
        guard let zone = zones.zone(for: name) else { return [] }
        var result: [String] = []
        for type in [RecordType.a, .aaaa] {
            if case let .records(data) = zone.lookup(name, type: type) {
                for item in data {
                    if case let .a(address) = item { result.append(address.description) }
                    if case let .aaaa(address) = item { result.append(address.description) }
                }
            }
        }
        return result
    }

    static func host(_ data: RecordData) -> String {
        switch data {
        case let .a(address), let .aaaa(address): address.description
        case let .cname(target): target.relativeDescription
        case let .srv(srv): "\(srv.target.relativeDescription):\(srv.port)"
        case let .txt(strings): String(decoding: strings.joined(), as: UTF8.self)
        default: ""
        }
    }
}
