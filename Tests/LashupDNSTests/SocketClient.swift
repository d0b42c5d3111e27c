#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking UDP/TCP DNS client on plain sockets, so the server tests go through the kernel
/// like any resolver's queries do.
enum SocketClient {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func address(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func withTimeout(_ socket: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends one datagram and returns the first reply (nil on timeout).
    static func udp(_ bytes: [UInt8], port: Int, timeoutSeconds: Int = 3) throws -> [UInt8]? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        withTimeout(fd, seconds: timeoutSeconds)
        var target = address(port)
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == bytes.count else { throw Failure(description: "sendto failed") }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let received = recv(fd, &buffer, buffer.count, 0)
        return received > 0 ? Array(buffer[0..<received]) : nil
    }

    /// Opens a TCP connection to the server.
    static func connectTCP(port: Int) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        withTimeout(fd, seconds: 3)
        var target = address(port)
        let result = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw Failure(description: "connect failed") }
        return fd
    }

    /// Writes several length-prefixed queries at once (pipelined), then reads one reply per query.
    static func tcp(_ queries: [[UInt8]], port: Int) throws -> [[UInt8]] {
        let fd = try connectTCP(port: port)
        defer { close(fd) }
        var out: [UInt8] = []
        for query in queries { out += [UInt8(query.count >> 8), UInt8(query.count & 0xff)] + query }
        guard send(fd, out, out.count, 0) == out.count else { throw Failure(description: "send failed") }
        var replies: [[UInt8]] = []
        for _ in queries {
            let header = try read(fd, 2)
            replies.append(try read(fd, Int(header[0]) << 8 | Int(header[1])))
        }
        return replies
    }

    static func read(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        while result.count < count {
            let received = recv(fd, &buffer, count - result.count, 0)
            guard received > 0 else { throw Failure(description: "connection closed or timed out after \(result.count) of \(count) bytes") }
            result += buffer[0..<received]
        }
        return result
    }
}
