import Hummingbird
import LashupCRDT
import LashupLB

/// The load balancer's part of the REST API:
/// - `GET /v1/vips` → the original's `[{vip, protocol, backend: [{ip, port}]}]`, each row with
///   more: `addresses`, and per backend `agent`, `weight`, `reachable` (from this node) and
///   `used` (this node's kernel sends new connections to it);
/// - `PUT /v1/vips/backend` `{"vip", "protocol", "ip", "port", "weight"?, "framework"?}` publishes
///   (or re-weights) a backend this agent hosts; `DELETE /v1/vips/backend` with the same body
///   (without weight) withdraws it.
enum LBRoutes {
    static func add(to router: Router<BasicRequestContext>, balancer: LoadBalancer?) {
        router.get("/v1/vips") { _, _ in
            await AgentRoutes.respond { () throws(APIError) in
                let balancer = try enabled(balancer)
                return AgentRoutes.json(.array(await balancer.listing().map(json)))
            }
        }
        router.put("/v1/vips/backend") { request, _ in
            await AgentRoutes.respond { () throws(APIError) in
                let balancer = try enabled(balancer)
                let (vip, address, port, weight) = try await backend(request, weighted: true)
                do throws(LBError) { try await balancer.setBackend(vip, address: address, port: port, weight: weight) } catch { throw map(error) }
                return AgentRoutes.json(.object(["vip": .string(vip.description), "ip": .string(address.description), "port": .integer(Int64(port)), "weight": .integer(Int64(weight))]))
            }
        }
        router.delete("/v1/vips/backend") { request, _ in
            await AgentRoutes.respond { () throws(APIError) in
                let balancer = try enabled(balancer)
                let (vip, address, port, _) = try await backend(request, weighted: false)
                do throws(LBError) { try await balancer.removeBackend(vip, address: address, port: port) } catch { throw map(error) }
                return AgentRoutes.json(.object(["vip": .string(vip.description), "ip": .string(address.description), "port": .integer(Int64(port)), "removed": .bool(true)]))
            }
        }
    }

    static func enabled(_ balancer: LoadBalancer?) throws(APIError) -> LoadBalancer {
        guard let balancer else { throw .notFound("the load balancer is not enabled on this agent") }
        return balancer
    }

    static func map(_ error: LBError) -> APIError {
        switch error {
        case .invalid, .store: .badRequest("\(error)")
        case .cluster: .unavailable("\(error)")
        }
    }

    static func json(_ listing: VIPListing) -> JSONValue {
        let label: String
        switch listing.vip.target {
        case let .address(address): label = "\(address.isIPv4 ? address.description : "[\(address)]"):\(listing.vip.port)"
        case let .name(name): label = "\(name):\(listing.vip.port)"
        }
        return .object([
            "vip": .string(label),
            "protocol": .string(listing.vip.transport.rawValue),
            "addresses": .array(listing.addresses.map { .string($0.description) }),
            "backend": .array(listing.backends.map { row -> JSONValue in
                var fields: [String: JSONValue] = [
                    "ip": .string(row.backend.address.description), "port": .integer(Int64(row.backend.port)),
                    "agent": .string(row.backend.agent), "weight": .integer(Int64(row.backend.weight)),
                    "reachable": .bool(row.reachable), "used": .bool(row.used),
                ]
                if let weight = row.effectiveWeight { fields["effective_weight"] = .integer(Int64(weight)) }
                if let latency = row.latency { fields["latency_ms"] = .number(Double(latency / .microseconds(1)) / 1_000) }
                if let reason = row.ejected { fields["ejected"] = .string(reason) }
                return .object(fields)
            }),
        ])
    }

    /// The backend a request body names.
    static func backend(_ request: Request, weighted: Bool) async throws(APIError) -> (VIPKey, IPAddress, UInt16, UInt32) {
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: AgentRoutes.maximumBodyBytes) } catch {
            throw .badRequest("request body over \(AgentRoutes.maximumBodyBytes) bytes or unreadable")
        }
        let document = try JSONValue.parse(Array(body.readableBytesView))
        guard case let .string(label)? = document["vip"] else { throw .badRequest("\"vip\" (NAME:PORT or IP:PORT) is required") }
        var framework: String?
        if let value = document["framework"] {
            guard case let .string(text) = value else { throw .badRequest("\"framework\" must be a string") }
            framework = text
        }
        let transportText: String
        switch document["protocol"] {
        case nil: transportText = "tcp"
        case let .string(text)?: transportText = text
        default: throw .badRequest("\"protocol\" must be \"tcp\" or \"udp\"")
        }
        guard let transport = VIPProtocol(rawValue: transportText) else { throw .badRequest("\"protocol\" \"\(transportText)\": use tcp or udp") }
        let parsed: (target: VIPTarget, port: UInt16)
        do { parsed = try VIPLabel.parse(label, framework: framework) } catch { throw .badRequest("\(error)") }
        guard case let .string(ipText)? = document["ip"], let address = IPAddress(ipText) else { throw .badRequest("\"ip\" must be the backend's IP address") }
        guard case let .integer(port)? = document["port"], port > 0, port <= 65_535 else { throw .badRequest("\"port\" must be the backend's port, 1 to 65535") }
        var weight: UInt32 = 1
        if weighted, let value = document["weight"] {
            guard case let .integer(number) = value, number >= 0, number <= Int64(Backend.maximumWeight) else {
                throw .badRequest("\"weight\" must be a whole number from 0 to \(Backend.maximumWeight)")
            }
            weight = UInt32(number)
        }
        return (VIPKey(transport, parsed.target, port: parsed.port), address, UInt16(port), weight)
    }
}
