import Foundation

/// How many CPUs this process may run on. NIO sizes its thread pool from the machine (or the
/// cgroup quota), not from the affinity mask; a server pinned with `taskset` to one core that
/// still opened one UDP socket per machine core would make its threads take turns on that core.
enum UsableCores {
    /// From `Cpus_allowed_list` in /proc/self/status (e.g. `0`, `0-3`, `0,2-5`); nil when
    /// unknown (not Linux, or an unexpected format).
    static var count: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        return parse(line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces))
    }

    /// The number of CPUs in a list such as `0,2-5`.
    static func parse(_ list: String) -> Int? {
        var total = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard bounds[0] != nil else { return nil }
                total += 1
            case 2:
                guard let low = bounds[0], let high = bounds[1], high >= low else { return nil }
                total += high - low + 1
            default:
                return nil
            }
        }
        return total > 0 ? total : nil
    }
}
