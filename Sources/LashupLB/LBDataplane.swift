/// Where the load balancer's decisions take effect. The agent uses `KernelDataplane`
/// (nftables, a route to the VIP ranges, conntrack); tests may record instead.
public protocol LBDataplane: Sendable {
    /// Makes the dataplane serve exactly `services`. With `verify`, the kernel's state is read
    /// back and anything that drifted (a table deleted by hand) is repaired; without, only the
    /// change from what was last programmed is sent.
    func program(_ services: [ServiceKey: [Backend]], verify: Bool) async throws -> DataplaneReport

    /// Forgets the tracked flows from `service` to `backend` (nil: every flow to the service),
    /// so a client pinned to a removed UDP backend, or to a VIP's address before the VIP was
    /// programmed, is balanced on its next datagram; returns how many were deleted.
    func forgetFlows(of service: ServiceKey, to backend: Backend?) async throws -> Int
}

/// What one programming pass did.
public struct DataplaneReport: Sendable, Equatable {
    /// Transaction lines sent (0: nothing changed).
    public var lines: Int
    /// The whole table was written (first time, new structure, drift), with why.
    public var fullWriteReason: String?
    /// Routes and links changed.
    public var kernelObjectsChanged: Int

    public init(lines: Int, fullWriteReason: String? = nil, kernelObjectsChanged: Int = 0) {
        self.lines = lines
        self.fullWriteReason = fullWriteReason
        self.kernelObjectsChanged = kernelObjectsChanged
    }
}
