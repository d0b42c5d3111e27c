/// The host end of an attachment's veth pair is named from the attachment itself, so DEL,
/// CHECK and a repeated ADD find it with no state of their own, and two attachments never
/// share a name (short of a 48-bit hash collision).
public enum HostVethName {
    /// Every host end starts with it: `ip link` shows which veths are the plugin's.
    public static let prefix = "lx"

    /// `lx` and 12 hex digits of the FNV-1a hash of the container id, a NUL and the interface
    /// name: 14 bytes, within the kernel's 15. FNV-1a rather than Swift's `Hasher`, which is
    /// seeded per process and would name the same attachment differently on each run.
    public static func host(containerID: String, interfaceName: String) -> String {
        prefix + hex(containerID: containerID, interfaceName: interfaceName)
    }

    /// 64-bit FNV-1a of `bytes`.
    public static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func hex(containerID: String, interfaceName: String) -> String {
        let hash = fnv1a(Array(containerID.utf8) + [0] + Array(interfaceName.utf8))
        let text = String(hash & 0xFFFF_FFFF_FFFF, radix: 16)
        return String(repeating: "0", count: 12 - text.count) + text
    }
}
