import Hummingbird
import NIOCore

/// The dashboard every agent serves at `/ui/`: plain HTML, CSS and JavaScript modules held in
/// the binary (`DashboardAssets`), no CDN, no build step. Its pages read the same REST API and
/// Server-Sent Event streams as the CLI, about the whole cluster from this agent's point of view.
/// `GET /lashup/features` tells it which services this agent runs, so it never asks for what
/// is not there.
enum DashboardRoutes {
    struct Features: Sendable {
        var dns: Bool
        var loadBalancer: Bool
        var overlays: Bool
        var tasks: Bool
    }

    static func add(to router: Router<BasicRequestContext>, features: Features) {
        // Hummingbird treats `/ui` and `/ui/` as one path; the page's links are absolute.
        router.get("/ui") { _, _ in asset("index.html") }
        router.get("/ui/:file") { _, context in asset(context.parameters.get("file") ?? "") }
        router.get("/lashup/features") { _, _ in
            AgentRoutes.json(.object([
                "dns": .bool(features.dns), "lb": .bool(features.loadBalancer), "overlays": .bool(features.overlays), "tasks": .bool(features.tasks),
            ]))
        }
    }

    static func asset(_ name: String) -> Response {
        guard let asset = DashboardAssets.files[name] else {
            return AgentRoutes.errorResponse(.notFound, "no dashboard file \(name)")
        }
        return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: asset.text)))
    }
}

/// The dashboard's files, by name.
enum DashboardAssets {
    struct File: Sendable {
        var contentType: String
        var text: String
    }

    static let files: [String: File] = [
        "index.html": File(contentType: "text/html; charset=utf-8", text: DashboardIndex.html),
        "style.css": File(contentType: "text/css; charset=utf-8", text: DashboardStyle.css),
        "app.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardApp.script),
        "live.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardLive.script),
        "overview.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardOverview.script),
        "topology.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardTopology.script),
        "members.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardMembers.script),
        "services.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardServices.script),
        "store.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardStore.script),
        "metrics.js": File(contentType: "text/javascript; charset=utf-8", text: DashboardMetrics.script),
    ]
}
