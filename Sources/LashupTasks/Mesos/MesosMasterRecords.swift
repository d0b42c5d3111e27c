import LashupCRDT
import LashupDNS

/// The `leader.` and `master.` records of `dcos.thisdcos.directory`, which a host running a
/// Mesos master publishes besides its tasks' records.
public enum MesosMasterRecords {
    /// The record lines, by zone: `leader.dcos.thisdcos.directory` → the leading master (the
    /// one that actually served the operator API, after redirects), and
    /// `master.dcos.thisdcos.directory` → every configured master.
    public static func lines(leader: IPAddress?, masters: [IPAddress]) -> [String: Set<String>] {
        var lines = Set<String>()
        if let leader { lines.insert(TaskDNSRecords.addressLine("leader.\(TaskDNSRecords.zone)", leader)) }
        for master in masters { lines.insert(TaskDNSRecords.addressLine("master.\(TaskDNSRecords.zone)", master)) }
        return lines.isEmpty ? [:] : [TaskDNSRecords.zone: lines]
    }
}
