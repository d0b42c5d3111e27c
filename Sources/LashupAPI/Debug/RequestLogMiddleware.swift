import Hummingbird
import Logging

/// Logs each API request at debug: method, path (never the query, which may carry the
/// dashboard's token), status and time taken. Off at the default level; `lashup debug
/// log-level debug` turns it on while the agent runs.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.logger.logLevel <= .debug else { return try await next(request, context) }
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            context.logger.debug("api: \(request.method) \(request.uri.path) \(response.status.code) in \(ContinuousClock.now - started)")
            return response
        } catch {
            context.logger.debug("api: \(request.method) \(request.uri.path) failed in \(ContinuousClock.now - started): \(error)")
            throw error
        }
    }
}
