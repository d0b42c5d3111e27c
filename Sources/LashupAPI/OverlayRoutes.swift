import Hummingbird
import LashupOverlay

/// The overlay's part of the REST API:
/// - `GET /v1/overlays` → every overlay this agent joins: its settings, this host's state,
///   and every host's claim (subnet, VTEP, MAC, agent IP, settled, holds, reachable).
/// - `POST /v1/overlays/{overlay}/release/{node}` releases a (dead) node's subnet.
enum OverlayRoutes {
    static func add(to router: Router<BasicRequestContext>, overlays: Overlays?) {
        router.get("/v1/overlays") { _, _ in
            await AgentRoutes.respond { () throws(APIError) in
                let overlays = try enabled(overlays)
                return AgentRoutes.json(.array(await overlays.listing().map(json)))
            }
        }
        router.post("/v1/overlays/:overlay/release/:node") { _, context in
            await AgentRoutes.respond { () throws(APIError) in
                let overlays = try enabled(overlays)
                guard let overlay = context.parameters.get("overlay"), let node = context.parameters.get("node") else {
                    throw .badRequest("give the overlay and the node: /v1/overlays/OVERLAY/release/NODE")
                }
                do throws(OverlayReleaseError) {
                    let claim = try await overlays.release(node: node, overlay: overlay)
                    return AgentRoutes.json(.object(["released": .string(node), "overlay": .string(overlay), "slot": .integer(Int64(claim.slot)),
                                                     "claimed_ns": .integer(Int64(clamping: claim.claimedAt))]))
                } catch {
                    throw .badRequest("\(error)")
                }
            }
        }
    }

    static func enabled(_ overlays: Overlays?) throws(APIError) -> Overlays {
        guard let overlays else { throw .notFound("no overlay is enabled on this agent (--overlays)") }
        return overlays
    }

    static func json(_ listing: OverlayListing) -> JSONValue {
        let settings = listing.settings
        var this: [String: JSONValue] = ["state": .string(listing.state), "attachments": .integer(Int64(listing.attachments))]
        if let slot = listing.slot { this["slot"] = .integer(Int64(slot)) }
        if let waiting = listing.waitingFor { this["waiting_for"] = .string(waiting) }
        var fields: [String: JSONValue] = [
            "name": .string(settings.name), "subnet": .string(settings.subnet.description), "host_prefix": .integer(Int64(settings.hostPrefixLength)),
            "vtep_subnet": .string(settings.vtepSubnet.description), "vni": .integer(Int64(settings.vni)), "port": .integer(Int64(settings.port)),
            "device": .string(settings.device), "bridge": .string(settings.bridge), "mtu": .integer(Int64(listing.mtu)),
            "capacity": .integer(Int64(settings.capacity)), "this_host": .object(this),
        ]
        if let subnet6 = settings.subnet6 { fields["subnet6"] = .string(subnet6.description) }
        fields["hosts"] = .array(listing.hosts.map { host -> JSONValue in
            let claim = host.claim
            var row: [String: JSONValue] = [
                "node": .string(claim.node), "slot": .integer(Int64(claim.slot)), "subnet": .string(settings.hostSubnet(claim.slot).description),
                "vtep_ip": .string(settings.vtepAddress(claim.slot).description), "vtep_mac": .string(settings.vtepMAC(claim.slot).description),
                "agent_ip": .string(claim.agentIP), "settled": .bool(claim.isSettled), "holds": .bool(host.holds), "released": .bool(host.released),
                "reachable": .bool(host.reachable), "claimed_ns": .integer(Int64(clamping: claim.claimedAt)),
            ]
            if let subnet6 = settings.hostSubnet6(claim.slot) { row["subnet6"] = .string(subnet6.description) }
            return .object(row)
        })
        return .object(fields)
    }
}
