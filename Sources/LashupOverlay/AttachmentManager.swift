import CoreMetrics
import LashupCNIProtocol
import LashupCRDT
import LashupNetlink

/// Answers the CNI plugin's requests for one host: hands out addresses from this host's
/// settled subnet of each overlay, durably, one attachment at a time (the actor serialises
/// them, so two ADDs never get one address).
public actor AttachmentManager {
    /// The overlays this host serves, and for each the settled claim it may hand out from
    /// (nil: not settled yet, and ADD answers "try again later").
    public struct Overlay: Sendable {
        public var settings: OverlaySettings
        public var settled: OverlayClaim?
        public var mtu: UInt32
        /// Why there is no settled claim, for the error.
        public var waitingFor: String

        public init(settings: OverlaySettings, settled: OverlayClaim?, mtu: UInt32, waitingFor: String = "") {
            self.settings = settings
            self.settled = settled
            self.mtu = mtu
            self.waitingFor = waitingFor
        }
    }

    let store: any AttachmentStore
    let nameservers: [String]
    var overlays: [String: Overlay] = [:]
    let clock: @Sendable () -> UInt64

    /// - Parameter clock: ns since the Unix epoch, for `createdAt`.
    public init(store: any AttachmentStore, nameservers: [String], clock: @escaping @Sendable () -> UInt64) {
        self.store = store
        self.nameservers = nameservers
        self.clock = clock
    }

    /// Tells the manager where each overlay stands (called on every allocation step).
    public func update(_ overlay: Overlay) async {
        let first = overlays[overlay.settings.name] == nil
        overlays[overlay.settings.name] = overlay
        if first { await recordCount(overlay.settings.name) }
    }

    /// `lashup_overlay_attachments`: read once when the overlay is first known (attachments
    /// survive restarts) and after each change, not on every step.
    func recordCount(_ overlay: String) async {
        guard let count = try? await store.attachments(overlay: overlay).count else { return }
        Gauge(label: "lashup_overlay_attachments", dimensions: [("overlay", overlay)]).record(count)
    }

    /// The attachments of `overlay` (for listing).
    public func attachments(overlay: String) async throws -> [Attachment] { try await store.attachments(overlay: overlay) }

    public func handle(_ request: AttachmentRequest) async -> AttachmentResponse {
        guard let overlay = overlays[request.overlay] else {
            let known = overlays.keys.sorted().joined(separator: ", ")
            return .failure(CNIErrorCode.invalidConfiguration, "overlay \"\(request.overlay)\" is not configured on this agent (configured: \(known.isEmpty ? "none" : known))")
        }
        switch request.command {
        case .status:
            guard overlay.settled != nil else { return .failure(CNIErrorCode.notAvailable, "overlay \(request.overlay): this host's subnet has not settled yet: waiting for \(overlay.waitingFor)") }
            return AttachmentResponse()
        case .garbageCollect:
            return await collect(overlay, valid: Set(request.validAttachments ?? []))
        case .add, .delete, .check:
            guard let containerID = request.containerID, !containerID.isEmpty, let interfaceName = request.interfaceName, !interfaceName.isEmpty else {
                return .failure(CNIErrorCode.invalidEnvironment, "\(request.command.rawValue) needs a container id and an interface name")
            }
            let id = AttachmentID(containerID: containerID, interfaceName: interfaceName)
            switch request.command {
            case .add: return await add(overlay, id: id, namespacePath: request.namespacePath ?? "")
            case .delete: return await delete(overlay, id: id)
            default: return await check(overlay, id: id)
            }
        }
    }

    func add(_ overlay: Overlay, id: AttachmentID, namespacePath: String) async -> AttachmentResponse {
        guard let claim = overlay.settled else {
            return .failure(CNIErrorCode.tryAgainLater, "overlay \(overlay.settings.name): this host's subnet has not settled yet", details: "waiting for \(overlay.waitingFor)")
        }
        do {
            let existing = try await store.attachments(overlay: overlay.settings.name)
            if let same = existing.first(where: { $0.id == id }) {
                if same.claimedAt == claim.claimedAt { return response(same, overlay: overlay, claim: claim) }
                _ = try await store.remove(overlay: overlay.settings.name, ids: [id])  // from a subnet this host no longer holds
            }
            let used = Set(existing.filter { $0.claimedAt == claim.claimedAt }.map(\.address))
            guard let address = Self.freeAddress(in: overlay.settings.hostSubnet(claim.slot), used: used) else {
                return .failure(CNIErrorCode.subnetFull, "overlay \(overlay.settings.name): the subnet \(overlay.settings.hostSubnet(claim.slot)) of this host is full (\(used.count) attachments)")
            }
            var address6: String?
            if let subnet6 = overlay.settings.hostSubnet6(claim.slot), case let .v4(value)? = IPAddress(address),
               case let .v6(high, low) = subnet6.address {
                // The IPv6 address mirrors the IPv4 one's host part, so both are unique together.
                address6 = IPAddress.v6(high: high, low: low | UInt64(value & 0xFFFF)).description
            }
            let attachment = Attachment(overlay: overlay.settings.name, id: id, address: address, address6: address6, claimedAt: claim.claimedAt,
                                        namespacePath: namespacePath, createdAt: clock())
            try await store.save(attachment)
            await recordCount(overlay.settings.name)
            return response(attachment, overlay: overlay, claim: claim)
        } catch {
            return .failure(CNIErrorCode.ioFailure, "overlay \(overlay.settings.name): the attachment could not be recorded: \(error)")
        }
    }

    func delete(_ overlay: Overlay, id: AttachmentID) async -> AttachmentResponse {
        do {
            let removed = try await store.remove(overlay: overlay.settings.name, ids: [id])
            if removed > 0 { await recordCount(overlay.settings.name) }
            return AttachmentResponse(freed: removed)
        } catch {
            return .failure(CNIErrorCode.ioFailure, "overlay \(overlay.settings.name): the attachment could not be removed: \(error)")
        }
    }

    func check(_ overlay: Overlay, id: AttachmentID) async -> AttachmentResponse {
        do {
            guard let attachment = try await store.attachments(overlay: overlay.settings.name).first(where: { $0.id == id }) else {
                return .failure(CNIErrorCode.unknownContainer, "overlay \(overlay.settings.name): no attachment of container \(id.containerID) interface \(id.interfaceName)")
            }
            guard let claim = overlay.settled, claim.claimedAt == attachment.claimedAt else {
                return .failure(CNIErrorCode.limitedConnectivity, "overlay \(overlay.settings.name): \(attachment.address) is from a subnet this host no longer holds; re-create the container")
            }
            return response(attachment, overlay: overlay, claim: claim)
        } catch {
            return .failure(CNIErrorCode.ioFailure, "overlay \(overlay.settings.name): attachments could not be read: \(error)")
        }
    }

    func collect(_ overlay: Overlay, valid: Set<AttachmentID>) async -> AttachmentResponse {
        do {
            let stale = try await store.attachments(overlay: overlay.settings.name).map(\.id).filter { !valid.contains($0) }
            let freed = try await store.remove(overlay: overlay.settings.name, ids: stale)
            if freed > 0 { await recordCount(overlay.settings.name) }
            return AttachmentResponse(freed: freed)
        } catch {
            return .failure(CNIErrorCode.ioFailure, "overlay \(overlay.settings.name): garbage collection failed: \(error)")
        }
    }

    func response(_ attachment: Attachment, overlay: Overlay, claim: OverlayClaim) -> AttachmentResponse {
        let settings = overlay.settings
        return AttachmentResponse(
            address: "\(attachment.address)/\(settings.hostPrefixLength)", gateway: settings.gateway(claim.slot).description,
            address6: attachment.address6.map { "\($0)/\(settings.hostPrefixLength6)" }, gateway6: settings.gateway6(claim.slot)?.description,
            bridge: settings.bridge, mtu: Int(overlay.mtu), nameservers: nameservers)
    }

    /// The lowest address of `subnet` not in `used`, past the gateway (`.1`), never the
    /// network or broadcast address.
    static func freeAddress(in subnet: IPPrefix, used: Set<String>) -> String? {
        guard case let .v4(network) = subnet.network.address else { return nil }
        let size = UInt32(1) << (32 - UInt32(subnet.length))
        guard size >= 4 else { return nil }
        for offset in 2..<(size - 1) {
            let candidate = IPAddress.v4(network &+ offset).description
            if !used.contains(candidate) { return candidate }
        }
        return nil
    }
}
