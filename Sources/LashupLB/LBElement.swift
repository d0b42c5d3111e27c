/// One element of the load balancer's table: a set element (`value` nil) or a map entry, in
/// the canonical text nft prints back.
public struct LBElement: Sendable, Hashable {
    /// The set or map it belongs to.
    public var container: String
    public var key: String
    public var value: String?

    public init(container: String, key: String, value: String? = nil) {
        self.container = container
        self.key = key
        self.value = value
    }
}
