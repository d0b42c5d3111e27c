import Foundation
import Synchronization

/// The one line on stdout that scripts and tests wait for, printed once every listener the
/// services bind inside their `run` has reported its address (logs go to stderr).
final class ReadyLine: Sendable {
    let fields: [String]
    let known: Mutex<[String: String]>

    /// - Parameters:
    ///   - fields: the line's fields in order (`name`, `gossip`, `api`, …).
    ///   - known: fields whose values are known at start.
    init(fields: [String], known: [String: String]) {
        self.fields = fields
        self.known = Mutex(known)
    }

    /// Records one field; prints the line when it completes it.
    func report(_ field: String, _ value: String) {
        let line: String? = known.withLock { values in
            guard values[field] == nil else { return nil }
            values[field] = value
            guard fields.allSatisfy({ values[$0] != nil }) else { return nil }
            return "lashup agent ready: " + fields.map { "\($0)=\(values[$0, default: ""])" }.joined(separator: " ")
        }
        if let line {
            print(line)
            fflush(nil)
        }
    }
}
