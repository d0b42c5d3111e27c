import LashupCRDT
import LashupDNS

/// The `leader.` and `master.` records of `dcos.thisdcos.directory`, and the `zk` zone
/// (`zk-1.zk` … `zk-5.zk` cycling over the masters, where DC/OS clients find ZooKeeper), which a
/// host running a Mesos master publishes besides its tasks' records.
public enum MesosMasterRecords {
    /// The record lines, by zone: `leader.dcos.thisdcos.directory` → the leading master (the
    /// one that actually served the operator API, after redirects), and
    /// `master.dcos.thisdcos.directory` → every configured master.
    public static func lines(leader: IPAddress?, masters: [IPAddress]) -> [String: Set<String>] {
        var lines = Set<String>()
        if let leader { lines.insert(TaskDNSRecords.addressLine("leader.\(TaskDNSRecords.zone)", leader)) }
        for master in masters { lines.insert(TaskDNSRecords.addressLine("master.\(TaskDNSRecords.zone)", master)) }
        var zones: [String: Set<String>] = lines.isEmpty ? [:] : [TaskDNSRecords.zone: lines]
        if !masters.isEmpty {
            zones[zkZone] = Set((1...zkNames).map { TaskDNSRecords.addressLine("zk-\($0).\(zkZone)", masters[($0 - 1) % masters.count]) })
        }
        return zones
    }

    /// The ZooKeeper zone and how many names it holds (the original's five).
    public static let zkZone = "zk"
    static let zkNames = 5
}
