import CLashupNetlink

/// Whether this process may program the kernel's network state, checked once at start-up by
/// each service that would: without CAP_NET_ADMIN it says so in one line and stays off.
public enum KernelAccess {
    /// Nil when this process has CAP_NET_ADMIN; otherwise why `service` stays off.
    public static func missing(for service: String) -> String? {
        switch clashup_netlink_has_admin() {
        case 1: return nil
        case 0: return "\(service) stays off: programming the kernel needs root or CAP_NET_ADMIN"
        case let error: return "\(service) stays off: cannot read this process's capabilities (\(NetlinkError.text(-error)))"
        }
    }
}
