import Hummingbird
import LashupCluster
import LashupDNSServer
import LashupLB
import LashupOverlay
import LashupTasks
import Logging

/// What an operator asks a live agent, without a debugger (`lashup debug …`):
/// - `GET /lashup/debug/state` → the node's views with RTTs and local health, timers armed,
///   inbox and transport queues, commits, anti-entropy, the broadcast trees it takes part in
///   (lazy peers per origin), and each service's state (DNS zones and records, VIPs and
///   backends, overlays, tasks by source).
/// - `GET /lashup/debug/log-level`, `PUT /lashup/debug/log-level` with `{"level": "debug"}`:
///   the log level, changed at run time for every logger of the agent.
enum DebugRoutes {
    struct Services: Sendable {
        var dns: DNSService?
        var balancer: LoadBalancer?
        var overlays: Overlays?
        var tasks: TaskAgentService?
    }

    static func add(to router: Router<BasicRequestContext>, introspection: any ClusterIntrospection, services: Services, logLevel: LogLevelSetting?) {
        router.get("/lashup/debug/state") { _, _ in
            await AgentRoutes.respond { () throws(APIError) in
                guard let node = await introspection.debugState() else { throw .notFound("this agent does not report its internals") }
                var fields = json(node)
                fields["dns"] = services.dns.map { dns -> JSONValue in
                    let zones = dns.zones.zones.values
                    return .object(["zones": .integer(Int64(zones.count)), "records": .integer(Int64(zones.reduce(0) { $0 + $1.recordCount }))])
                } ?? .string("off")
                if let balancer = services.balancer {
                    let listing = await balancer.listing()
                    fields["lb"] = .object(["vips": .integer(Int64(listing.count)), "backends": .integer(Int64(listing.reduce(0) { $0 + $1.backends.count })),
                                            "unreachable_backends": .integer(Int64(listing.reduce(0) { $0 + $1.backends.filter { !$0.reachable }.count }))])
                } else {
                    fields["lb"] = .string("off")
                }
                if let overlays = services.overlays {
                    fields["overlays"] = .array(await overlays.listing().map { listing in
                        .object(["name": .string(listing.settings.name), "state": .string(listing.state), "hosts": .integer(Int64(listing.hosts.count))])
                    })
                } else {
                    fields["overlays"] = .string("off")
                }
                if let tasks = services.tasks {
                    var bySource: [String: JSONValue] = [:]
                    for source in TaskSource.allCases { bySource[source.rawValue] = .integer(Int64(await tasks.publisher.current(source).count)) }
                    fields["tasks"] = .object(bySource)
                } else {
                    fields["tasks"] = .string("off")
                }
                fields["log_level"] = logLevel.map { .string($0.level.rawValue) } ?? .null
                return AgentRoutes.json(.object(fields))
            }
        }
        router.get("/lashup/debug/log-level") { _, _ in
            await AgentRoutes.respond { () throws(APIError) in
                guard let logLevel else { throw .notFound("this agent's log level is fixed") }
                return AgentRoutes.json(.object(["level": .string(logLevel.level.rawValue)]))
            }
        }
        router.put("/lashup/debug/log-level") { request, _ in
            await AgentRoutes.respond { () throws(APIError) in
                guard let logLevel else { throw .notFound("this agent's log level is fixed") }
                var request = request
                let body: ByteBuffer
                do { body = try await request.collectBody(upTo: 4_096) } catch { throw .badRequest("request body over 4096 bytes or unreadable") }
                guard case let .string(text)? = try JSONValue.parse(Array(body.readableBytesView))["level"], let level = Logger.Level(rawValue: text) else {
                    throw .badRequest("expected {\"level\": L} with L one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let previous = logLevel.level
                logLevel.level = level
                return AgentRoutes.json(.object(["level": .string(level.rawValue), "previous": .string(previous.rawValue)]))
            }
        }
    }

    static func json(_ state: DebugStateView) -> [String: JSONValue] {
        [
            "active_view": .array(state.activeView.map { neighbour in
                .object(["name": .string(neighbour.name), "address": .string(neighbour.address),
                         "srtt_ms": neighbour.smoothedRTTMilliseconds.map(JSONValue.number) ?? .null,
                         "rttvar_ms": .number(neighbour.rttVariationMilliseconds)])
            }),
            "passive_view": .array(state.passiveView.map(JSONValue.string)),
            "local_health": .integer(Int64(state.localHealth)), "timers_armed": .integer(Int64(state.timersArmed)),
            "inbox_depth": .integer(Int64(state.inboxDepth)), "inbox_dropped": .integer(Int64(state.inboxDropped)),
            "transport_queued_bytes": .integer(Int64(state.transportQueuedBytes)),
            "connections_inbound": .integer(Int64(state.connectionsInbound)), "connections_outbound": .integer(Int64(state.connectionsOutbound)),
            "commit_waiting": .integer(Int64(state.commitWaiting)), "commit_transactions": .integer(Int64(state.commitTransactions)),
            "commit_persists": .integer(Int64(state.commitPersists)),
            "anti_entropy_sessions": .integer(Int64(state.antiEntropySessions)), "anti_entropy_keys_repaired": .integer(Int64(state.antiEntropyKeysRepaired)),
            "store_keys": .integer(Int64(state.storeKeys)), "tombstones": .integer(Int64(state.tombstones)), "watchers": .integer(Int64(state.watchers)),
            "lazy_peers_by_origin": .object(state.lazyPeersByOrigin.mapValues { .array($0.map(JSONValue.string)) }),
        ]
    }
}
