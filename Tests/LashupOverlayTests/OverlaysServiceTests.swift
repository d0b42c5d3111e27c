import LashupCNIProtocol
import LashupClusterTesting
import LashupCRDT
import LashupNetlink
@testable import LashupOverlay
import Logging
import Testing

/// The overlay service on three real nodes of an in-memory cluster (no kernel): each settles a
/// distinct subnet from its change feed, hands out addresses from it, wants routes to the
/// others, and drops a released host's entries.
@Suite("Overlay service on an in-memory cluster")
struct OverlaysServiceTests {
    static let timing = OverlayAllocator.Timing(quietPeriod: .milliseconds(200), syncDelay: .zero, aloneDelay: .zero)

    /// Runs virtual time forward while the services (on real time) catch up, until `done`.
    static func advance(_ cluster: InMemoryCluster, seconds: Int = 20, until done: () async -> Bool) async -> Bool {
        for _ in 0..<(seconds * 20) {
            await cluster.advance(by: .milliseconds(100))
            try? await Task.sleep(for: .milliseconds(50))
            if await done() { return true }
        }
        return false
    }

    @Test("three hosts settle distinct subnets, route to each other, answer ADD; a released host's entries go")
    func threeHosts() async throws {
        let cluster = InMemoryCluster(nodes: 3, seed: 5)
        await cluster.advance(by: .seconds(3))
        let services = (0..<3).map { index in
            Overlays(settings: [OverlaySettings()], cluster: cluster.node(index),
                     attachments: AttachmentManager(store: InMemoryAttachmentStore(), nameservers: [], clock: { 1 }),
                     client: nil, agentIP: "10.0.0.\(index + 1)", timing: Self.timing, stepInterval: .milliseconds(40), me: "node-\(index)",
                     logger: Logger(label: "test"))
        }
        let tasks = services.map { service in Task { try? await service.run() } }
        defer { for task in tasks { task.cancel() } }

        let settled = await Self.advance(cluster) {
            for service in services where await service.listing().first?.state != "settled" { return false }
            return true
        }
        #expect(settled, "every host settles")
        var subnets: [String] = []
        for service in services {
            let listing = try #require(await service.listing().first)
            subnets.append(listing.settings.hostSubnet(try #require(listing.slot)).description)
        }
        #expect(Set(subnets).count == 3, "distinct subnets: \(subnets)")

        let routed = await Self.advance(cluster) {
            await services[0].desired?.routes.filter { $0.table == 254 }.count == 2
        }
        #expect(routed, "node-0 wants a route to each other host's subnet")
        let wanted = Set(await services[0].desired?.routes.filter { $0.table == 254 }.map(\.destination.description) ?? [])
        #expect(wanted == Set(subnets.dropFirst()))

        let added = await services[0].attachments.handle(AttachmentRequest(command: .add, overlay: "dcos", containerID: "c", interfaceName: "eth0"))
        #expect(added.address?.hasPrefix(String(subnets[0].dropLast(4))) == true, "\(added)")

        await cluster.crash(2)
        _ = try await services[0].release(node: "node-2", overlay: "dcos")
        let gone = await Self.advance(cluster) {
            await services[0].desired?.routes.filter { $0.table == 254 }.map(\.destination.description) == [subnets[1]]
        }
        #expect(gone, "node-2's routes are no longer wanted on node-0")
        // node-1 learns of the release by replication, which node-0's own routes do not wait for.
        let releasedOnOther = await Self.advance(cluster) {
            await services[1].listing().first?.hosts.first { $0.claim.node == "node-2" }?.released == true
        }
        #expect(releasedOnOther, "node-1 lists node-2 as released")
    }
}
