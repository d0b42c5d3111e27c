import Hummingbird

/// Requires `Authorization: Bearer <token>` on every request: the API is open without a
/// token only on loopback, where the host's users are already trusted.
///
/// Two exceptions, for the dashboard: its static files (`/ui/…`, which hold no cluster data)
/// are served to anyone, and a GET may carry the token as `?token=` instead, because a
/// browser's `EventSource` cannot send headers.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .get, request.uri.path == "/ui" || request.uri.path.hasPrefix("/ui/") { return try await next(request, context) }
        let fromQuery = request.method == .get && request.uri.queryParameters.get("token") == token
        guard fromQuery || request.headers[.authorization] == "Bearer \(token)" else {
            return AgentRoutes.errorResponse(.unauthorized, "missing or wrong API token (send Authorization: Bearer <token>)")
        }
        return try await next(request, context)
    }
}
