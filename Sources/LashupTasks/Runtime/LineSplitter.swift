/// Splits a byte stream into lines (the Docker events stream sends one JSON object per line).
/// Bounded: a line longer than `maximumLineBytes` is an error, not an ever-growing buffer.
struct LineSplitter {
    static let maximumLineBytes = 1 << 20
    var pending: [UInt8] = []

    struct Overlong: Error, CustomStringConvertible {
        var description: String { "a line longer than \(LineSplitter.maximumLineBytes) bytes" }
    }

    mutating func feed(_ bytes: [UInt8]) throws(Overlong) -> [[UInt8]] {
        pending += bytes
        var lines: [[UInt8]] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[start..<newline]
            if !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { lines.append(Array(line)) }
            start = newline + 1
        }
        pending.removeFirst(start)
        guard pending.count <= Self.maximumLineBytes else {
            pending = []
            throw Overlong()
        }
        return lines
    }
}
