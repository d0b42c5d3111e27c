import Foundation
import Hummingbird
import LashupCRDT
import LashupCluster
import LashupDNSServer
import LashupLB
import LashupOverlay
import LashupStore
import LashupTasks

/// The agent's REST API: members and routes of the overlay, the key-value store (read, update
/// by a JSON document of operations, delete, list, watch), version, and metrics.
public enum AgentRoutes {
    /// Largest request body accepted.
    public static let maximumBodyBytes = 1 << 20
    /// Most keys one listing returns.
    public static let maximumListedKeys = 10_000
    /// Longest a watch waits for a change.
    public static let maximumWatchSeconds = 300
    /// The release this agent is (`/v1/version`, `lashup --version`, the package).
    public static let version = "0.7.0"

    /// - Parameters:
    ///   - cluster: the store and member tables, as services see them.
    ///   - introspection: what the agent tells operators about itself.
    ///   - protocolVersion: the node-to-node protocol version `/v1/version` reports.
    ///   - dns: the agent's DNS service, for `/v1/records`, `/v1/hosts/:host` and
    ///     `/v1/services/:service` (nil when DNS is off: those answer 404).
    ///   - balancer: the agent's load balancer, for `/v1/vips` (nil: those answer 404).
    public static func router(cluster: any Cluster, introspection: any ClusterIntrospection, protocolVersion: Int, metrics: MetricsExporter, token: String?, dns: DNSService? = nil, balancer: LoadBalancer? = nil, overlays: Overlays? = nil, tasks: TaskAgentService? = nil, logLevel: LogLevelSetting? = nil) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(RequestLogMiddleware())
        if let token { router.middlewares.add(TokenMiddleware(token: token)) }
        router.middlewares.add(MetricsMiddleware())

        DNSRoutes.add(to: router, dns: dns)
        LBRoutes.add(to: router, balancer: balancer)
        OverlayRoutes.add(to: router, overlays: overlays)
        TaskRoutes.add(to: router, cluster: cluster, tasks: tasks)
        TopologyRoute.add(to: router, introspection: introspection)
        DebugRoutes.add(to: router, introspection: introspection, services: .init(dns: dns, balancer: balancer, overlays: overlays, tasks: tasks), logLevel: logLevel)
        DashboardRoutes.add(to: router, features: .init(dns: dns != nil, loadBalancer: balancer != nil, overlays: overlays != nil, tasks: tasks != nil))

        router.get("/lashup/members") { _, _ in
            let members = await introspection.members()
            return json(.array(members.map(\.json)))
        }
        router.get("/lashup/members/stream") { _, _ in
            await respond { () throws(APIError) in try await EventStreams.members(cluster) }
        }
        router.get("/lashup/self") { _, _ in
            json(await introspection.selfView().json)
        }
        router.get("/lashup/split") { _, _ in
            json(await introspection.split().json)
        }
        router.get("/lashup/tree") { request, _ in
            let root = request.uri.queryParameters.get("root")
            let tree = await introspection.tree(root: root)
            return json(TreeResponse(root: tree.root, nodes: tree.nodes).json)
        }
        router.get("/lashup/kv") { request, _ in
            await respond { () throws(APIError) in try await list(request, cluster) }
        }
        router.get("/lashup/kv/**") { _, context in
            await respond { () throws(APIError) in
                let key = try key(context)
                guard let value = await cluster.value(key) else { throw .notFound("key \(key) has no value") }
                return json(.object(["key": .string(key.description), "value": StoreJSON.json(value.store)]))
            }
        }
        for method in [HTTPRequest.Method.put, .post] {
            router.on("/lashup/kv/**", method: method) { request, context in
                await respond { () throws(APIError) in try await update(request, context, cluster) }
            }
        }
        router.delete("/lashup/kv/**") { _, context in
            await respond { () throws(APIError) in
                let key = try key(context)
                do {
                    let existed = try await cluster.delete(key)
                    return json(.object(["key": .string(key.description), "deleted": .bool(existed)]))
                } catch {
                    throw .unavailable("\(error)")
                }
            }
        }
        router.get("/lashup/watch") { request, _ in
            await respond { () throws(APIError) in try await watch(request, cluster, introspection) }
        }
        router.get("/v1/version") { _, _ in
            json(.object(["version": .string(version), "protocol": .integer(Int64(protocolVersion))]))
        }
        router.get("/v1/nodes") { _, _ in
            await nodes(cluster, introspection)
        }
        router.get("/metrics") { _, _ in
            let bytes = metrics.render(await introspection.metrics())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return router
    }

    static func key(_ context: BasicRequestContext) throws(APIError) -> Key {
        let segments = context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? String($0) }
        do {
            return try Key(segments)
        } catch {
            throw .badRequest("invalid key \(segments.joined(separator: "/")): \(error)")
        }
    }

    /// dcos-net's `/v1/nodes`: every known node with the addresses it published (before its
    /// record arrives, the host of its gossip address stands in for the private IP).
    static func nodes(_ cluster: any Cluster, _ introspection: any ClusterIntrospection) async -> Response {
        var rows: [JSONValue] = []
        for member in await introspection.members() {
            var metadata = NodeMetadata()
            if let key = try? NodeMetadata.key(of: member.name) { metadata = NodeMetadata(await cluster.value(key)) }
            let privateIP = metadata.privateIP.isEmpty ? HostPort.parse(member.address)?.host ?? member.address : metadata.privateIP
            rows.append(.object([
                "name": .string(member.name), "private_ip": .string(privateIP),
                "public_ips": .array(metadata.publicIPs.map(JSONValue.string)),
                "hostname": .string(metadata.hostName), "reachable": .bool(member.reachable),
            ]))
        }
        return json(.array(rows))
    }

    static func update(_ request: Request, _ context: BasicRequestContext, _ cluster: any Cluster) async throws(APIError) -> Response {
        let key = try key(context)
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBodyBytes)
        } catch {
            throw .badRequest("request body over \(maximumBodyBytes) bytes or unreadable")
        }
        let document = try JSONValue.parse(Array(body.readableBytesView))
        let timestamp = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        let operations = try StoreJSON.operations(document, timestamp: timestamp)
        do {
            let value = try await cluster.update(key, operations)
            return json(.object(["key": .string(key.description), "value": StoreJSON.json(value.store)]))
        } catch {
            switch error {
            case .rejected(.overloaded): throw .unavailable("update of \(key) not made durable: \(error)")
            case .rejected: throw .badRequest("\(error)")
            case .notDurable: throw .unavailable("update of \(key): \(error)")
            case .shuttingDown, .tooManySubscriptions: throw .unavailable("update of \(key) not made durable: \(error)")
            }
        }
    }

    static func list(_ request: Request, _ cluster: any Cluster) async throws(APIError) -> Response {
        let prefix = request.uri.queryParameters.get("prefix") ?? ""
        let pattern: KeyPattern
        do {
            pattern = try KeyPattern(parsing: prefix)
        } catch {
            throw .badRequest("invalid prefix \"\(prefix)\": \(error)")
        }
        var limit = maximumListedKeys
        if let text = request.uri.queryParameters.get("limit") {
            guard let value = Int(text), value > 0 else { throw .badRequest("limit \"\(text)\" is not a positive integer") }
            limit = min(value, maximumListedKeys)
        }
        let listing = await cluster.keys(matching: pattern, limit: limit)
        return json(.object(["keys": .array(listing.keys.map { .string($0.description) }), "truncated": .bool(listing.truncated)]))
    }

    static func watch(_ request: Request, _ cluster: any Cluster, _ introspection: any ClusterIntrospection) async throws(APIError) -> Response {
        let text = request.uri.queryParameters.get("pattern") ?? ""
        let pattern: KeyPattern
        do {
            pattern = try KeyPattern(parsing: text)
        } catch {
            throw .badRequest("invalid pattern \"\(text)\": \(error)")
        }
        let after = request.uri.queryParameters.get("after") == nil ? nil : try integer(request, "after", default: 0)
        if EventStreams.wantsEvents(request) {
            // A reconnecting EventSource says where it got to; that wins over `after`.
            var resume = after
            if let last = request.headers[EventStreams.lastEventID] {
                guard let parsed = UInt64(last) else { throw .badRequest("Last-Event-ID \"\(last)\" is not a change index") }
                resume = parsed
            }
            return try EventStreams.watch(pattern, after: resume, cluster: cluster, introspection: introspection)
        }
        let timeout = try integer(request, "timeout", default: 30)
        guard timeout <= UInt64(maximumWatchSeconds) else { throw .badRequest("timeout over \(maximumWatchSeconds) s") }
        let result: WatchResult
        do {
            result = try await introspection.watch(pattern, after: after, timeout: .seconds(Int64(timeout)))
        } catch {
            throw .unavailable("\(error)")
        }
        var changes: [JSONValue] = []
        for key in result.keys {
            let value = await cluster.value(key)
            changes.append(.object(["key": .string(key.description), "value": value.map { StoreJSON.json($0.store) } ?? .null]))
        }
        return json(.object(["index": .integer(Int64(clamping: result.index)), "reset": .bool(result.reset), "changes": .array(changes)]))
    }

    static func integer(_ request: Request, _ name: String, default value: UInt64) throws(APIError) -> UInt64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let parsed = UInt64(text) else { throw .badRequest("\(name) \"\(text)\" is not a non-negative integer") }
        return parsed
    }

    static func respond(_ body: () async throws(APIError) -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            switch error {
            case let .badRequest(message): return errorResponse(.badRequest, message)
            case let .notFound(message): return errorResponse(.notFound, message)
            case let .unavailable(message): return errorResponse(.serviceUnavailable, message)
            }
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: value.text + "\n")))
    }

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(.object(["error": .string(message)]), status: status)
    }
}
