import Hummingbird

/// Requires `Authorization: Bearer <token>` on every request: the API is open without a
/// token only on loopback, where the host's users are already trusted.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(token)" else {
            return AgentRoutes.errorResponse(.unauthorized, "missing or wrong API token (send Authorization: Bearer <token>)")
        }
        return try await next(request, context)
    }
}
