import Glibc
import LashupCNIProtocol

/// Stdin, read whole but bounded: the configuration is small, and a runtime that writes
/// without end must not make the plugin grow without end.
enum StandardInput {
    static func read(limit: Int) throws(CNIPluginError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CNIPluginError(code: CNIErrorCode.ioFailure, "cannot read the network configuration from stdin: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > limit {
                throw CNIPluginError(code: CNIErrorCode.decodingFailure, "the network configuration on stdin is longer than \(limit) bytes")
            }
        }
    }
}

/// Stdout, written whole (a pipe may take it in parts).
enum StandardOutput {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(count)
        }
    }
}
