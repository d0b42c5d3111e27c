import Foundation
import Hummingbird
import LashupCluster
import LashupTasks

/// The task sources' part of the REST API:
/// - `GET /v1/tasks` → the tasks this agent publishes, by source; `?all=true` → every agent's,
///   as the store holds them.
/// - `GET /v1/agent/services` → the services registered with this agent, with their health.
/// - `PUT /v1/agent/services` with a registration (`{"name", "address", "port", "id"?,
///   "namespace"?, "protocol"?, "vips"?, "check"?: {"kind": "tcp"|"http", "target"?,
///   "interval_ms"?, "timeout_ms"?}}`) registers or replaces one (by id).
/// - `DELETE /v1/agent/services/{id}` deregisters one.
enum TaskRoutes {
    static func add(to router: Router<BasicRequestContext>, cluster: any Cluster, tasks: TaskAgentService?) {
        router.get("/v1/tasks") { request, _ in
            await AgentRoutes.respond { () throws(APIError) in
                if request.uri.queryParameters.get("all") == "true" {
                    var rows: [JSONValue] = []
                    for key in await cluster.keys(matching: TaskStoreKeys.pattern, limit: 10_000).keys {
                        guard let node = TaskStoreKeys.node(of: key) else { continue }
                        for task in TaskStoreKeys.tasks(await cluster.value(key)?.store) { rows.append(json(task, node: node)) }
                    }
                    return AgentRoutes.json(.array(rows))
                }
                let tasks = try enabled(tasks)
                let local = await cluster.local().name
                return AgentRoutes.json(.array(await tasks.publisher.current().map { json($0, node: local) }))
            }
        }
        router.get("/v1/agent/services") { _, _ in
            await AgentRoutes.respond { () throws(APIError) in
                let tasks = try enabled(tasks)
                return AgentRoutes.json(.array(await tasks.registry.list().map(json)))
            }
        }
        router.put("/v1/agent/services") { request, _ in
            await AgentRoutes.respond { () throws(APIError) in
                let tasks = try enabled(tasks)
                var request = request
                let body: ByteBuffer
                do { body = try await request.collectBody(upTo: AgentRoutes.maximumBodyBytes) } catch {
                    throw .badRequest("request body over \(AgentRoutes.maximumBodyBytes) bytes or unreadable")
                }
                let service: RegisteredService
                do { service = try JSONDecoder().decode(RegisteredService.self, from: Data(body.readableBytesView)) } catch {
                    throw .badRequest("not a service registration: \(describe(error)); expected {\"name\", \"address\", \"port\", …}")
                }
                do throws(RegistrationError) { try await tasks.registry.register(service) } catch {
                    switch error.kind {
                    case .invalid, .notFound: throw .badRequest(error.description)
                    case .full, .storage: throw .unavailable(error.description)
                    }
                }
                return AgentRoutes.json(.object(["registered": .string(service.id)]))
            }
        }
        router.delete("/v1/agent/services/:id") { _, context in
            await AgentRoutes.respond { () throws(APIError) in
                let tasks = try enabled(tasks)
                guard let id = context.parameters.get("id") else { throw .badRequest("give the service's id: /v1/agent/services/ID") }
                let removed: Bool
                do throws(RegistrationError) { removed = try await tasks.registry.deregister(id) } catch { throw .unavailable(error.description) }
                guard removed else { throw .notFound("no service \(id) is registered with this agent") }
                return AgentRoutes.json(.object(["deregistered": .string(id)]))
            }
        }
    }

    static func enabled(_ tasks: TaskAgentService?) throws(APIError) -> TaskAgentService {
        guard let tasks else { throw .notFound("task sources are not enabled on this agent") }
        return tasks
    }

    static func json(_ task: TaskRecord, node: String) -> JSONValue {
        let data = (try? JSONEncoder().encode(StoredTask(task))) ?? Data()
        guard case var .object(fields)? = try? JSONValue.parse(Array(data)) else { return .object(["node": .string(node)]) }
        fields["node"] = .string(node)
        return .object(fields)
    }

    static func json(_ entry: ServiceRegistry.Entry) -> JSONValue {
        let data = (try? JSONEncoder().encode(entry.service)) ?? Data()
        guard case var .object(fields)? = try? JSONValue.parse(Array(data)) else { return .object([:]) }
        fields["health"] = .string(entry.health.rawValue)
        fields["checks"] = .integer(Int64(entry.checks))
        if let failure = entry.lastFailure { fields["last_failure"] = .string(failure) }
        return .object(fields)
    }

    /// A decoding error in words: which field, and what was wrong.
    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, _)?: "\"\(key.stringValue)\" is missing"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?:
            "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
        case let .dataCorrupted(context)?:
            context.codingPath.isEmpty ? "not JSON" : "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\": \(context.debugDescription)"
        default: "\(error)"
        }
    }
}
