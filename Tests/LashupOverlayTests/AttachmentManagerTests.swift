import LashupCNIProtocol
import LashupOverlay
import Testing

@Suite("Attachment manager: addresses from the settled subnet, durable, idempotent")
struct AttachmentManagerTests {
    static let settings = OverlaySettings()
    static let claim = OverlayClaim(node: "h1", slot: 3, claimedAt: 10, settledAt: 11, agentIP: "10.0.0.1")

    static func manager(settled: OverlayClaim? = claim, store: any AttachmentStore = InMemoryAttachmentStore()) async -> AttachmentManager {
        let manager = AttachmentManager(store: store, nameservers: ["198.51.100.1"], clock: { 42 })
        await manager.update(.init(settings: settings, settled: settled, mtu: 1450, waitingFor: "the quiet period"))
        return manager
    }

    static func request(_ command: AttachmentRequest.Command, _ container: String = "c1", interface: String = "eth0") -> AttachmentRequest {
        AttachmentRequest(command: command, overlay: "dcos", containerID: container, interfaceName: interface, namespacePath: "/run/netns/x")
    }

    @Test("ADD hands out .2, .3 … of this host's subnet with its gateway, bridge, MTU and DNS; ADD again returns the same")
    func addsInOrder() async {
        let manager = await Self.manager()
        let first = await manager.handle(Self.request(.add, "c1"))
        #expect(first.error == nil)
        #expect(first.address == "9.0.3.2/24" && first.gateway == "9.0.3.1" && first.bridge == "lashup-dcos" && first.mtu == 1450)
        #expect(first.nameservers == ["198.51.100.1"])
        let second = await manager.handle(Self.request(.add, "c2"))
        #expect(second.address == "9.0.3.3/24")
        #expect(await manager.handle(Self.request(.add, "c1")) == first, "ADD is idempotent")
        #expect(await manager.handle(Self.request(.check, "c1")) == first)
    }

    @Test("DEL frees the address for reuse and succeeds when nothing is there; GC keeps only the valid attachments")
    func deleteAndCollect() async throws {
        let manager = await Self.manager()
        _ = await manager.handle(Self.request(.add, "c1"))
        _ = await manager.handle(Self.request(.add, "c2"))
        _ = await manager.handle(Self.request(.add, "c3"))
        #expect(await manager.handle(Self.request(.delete, "c1")).freed == 1)
        #expect(await manager.handle(Self.request(.delete, "c1")).error == nil, "DEL is idempotent")
        #expect(await manager.handle(Self.request(.add, "c4")).address == "9.0.3.2/24", "the freed address is reused")
        var gc = AttachmentRequest(command: .garbageCollect, overlay: "dcos")
        gc.validAttachments = [AttachmentID(containerID: "c4", interfaceName: "eth0")]
        #expect(await manager.handle(gc).freed == 2)
        #expect(await manager.handle(Self.request(.check, "c2")).error?.code == CNIErrorCode.unknownContainer)
        #expect(try await manager.attachments(overlay: "dcos").map(\.id.containerID) == ["c4"])
    }

    @Test("before the subnet settles ADD says try again later (11) and STATUS not available (50); an unknown overlay is a bad configuration (7)")
    func unsettled() async {
        let manager = await Self.manager(settled: nil)
        let add = await manager.handle(Self.request(.add))
        #expect(add.error?.code == CNIErrorCode.tryAgainLater)
        #expect(add.error?.details?.contains("quiet period") == true)
        #expect(await manager.handle(AttachmentRequest(command: .status, overlay: "dcos")).error?.code == CNIErrorCode.notAvailable)
        let unknown = await manager.handle(AttachmentRequest(command: .add, overlay: "blue", containerID: "c", interfaceName: "eth0"))
        #expect(unknown.error?.code == CNIErrorCode.invalidConfiguration)
        #expect(await manager.handle(AttachmentRequest(command: .add, overlay: "dcos")).error?.code == CNIErrorCode.invalidEnvironment)
    }

    @Test("a full subnet is reported (code 102), not crashed into")
    func fullSubnet() async {
        let small = OverlaySettings(hostPrefixLength: 30)
        let manager = AttachmentManager(store: InMemoryAttachmentStore(), nameservers: [], clock: { 1 })
        await manager.update(.init(settings: small, settled: Self.claim, mtu: 1450))
        #expect(await manager.handle(Self.request(.add, "c1")).error == nil, "a /30 holds one container past its gateway")
        #expect(await manager.handle(Self.request(.add, "c2")).error?.code == CNIErrorCode.subnetFull)
    }

    @Test("an attachment from a subnet this host no longer holds fails CHECK, and ADD gives a new address from the new one")
    func staleClaim() async {
        let store = InMemoryAttachmentStore()
        let manager = await Self.manager(store: store)
        _ = await manager.handle(Self.request(.add, "c1"))
        let moved = OverlayClaim(node: "h1", slot: 9, claimedAt: 20, settledAt: 21, agentIP: "10.0.0.1")
        await manager.update(.init(settings: Self.settings, settled: moved, mtu: 1450))
        #expect(await manager.handle(Self.request(.check, "c1")).error?.code == CNIErrorCode.limitedConnectivity)
        #expect(await manager.handle(Self.request(.add, "c1")).address == "9.0.9.2/24")
    }
}
