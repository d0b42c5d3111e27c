import Foundation
import LashupTestSupport

/// Real TCP and UDP servers and clients in a test's namespace, as Python scripts (python3 is
/// on every machine these tests run on, and each is a few lines that cannot hide a result).
enum NamespaceServers {
    /// Listens on port 8080 of each address, TCP and UDP. TCP: sends the address it answered
    /// on as a line, then echoes. UDP: answers every datagram with that address. Prints
    /// "ready" once every socket is bound.
    static let servers = """
    import socket, sys, threading
    def family(a): return socket.AF_INET6 if ':' in a else socket.AF_INET
    def handle(c, a):
        try:
            c.sendall((a + "\\n").encode())
            while True:
                d = c.recv(100)
                if not d: break
                c.sendall(d)
        except OSError: pass
        c.close()
    def tcp(s, a):
        while True:
            c, _ = s.accept()
            threading.Thread(target=handle, args=(c, a), daemon=True).start()
    def udp(s, a):
        while True:
            d, p = s.recvfrom(100)
            s.sendto(a.encode(), p)
    for a in sys.argv[1:]:
        t = socket.socket(family(a)); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind((a, 8080)); t.listen(512)
        u = socket.socket(family(a), socket.SOCK_DGRAM); u.bind((a, 8080))
        threading.Thread(target=tcp, args=(t, a), daemon=True).start()
        threading.Thread(target=udp, args=(u, a), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()
    """

    /// Connects `count` times to argv[1]:argv[2] and prints each backend's count as
    /// `address count` lines, or `refused N` / `error N` for connections that failed.
    static let connectMany = """
    import collections, socket, sys
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seen = collections.Counter()
    for _ in range(count):
        try:
            c = socket.create_connection((host, port), timeout=2)
            seen[c.makefile().readline().strip()] += 1
            c.close()
        except ConnectionRefusedError: seen["refused"] += 1
        except OSError: seen["error"] += 1
    for k, v in sorted(seen.items()): print(k, v)
    """

    /// Sends one datagram to argv[1]:argv[2] from source port argv[3] and prints the answer.
    static let udpOnce = """
    import socket, sys
    host, port, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", source)); s.settimeout(2); s.sendto(b"hi", (host, port))
    try: print(s.recvfrom(100)[0].decode())
    except OSError as e: print("error", e)
    """

    /// Opens one connection to argv[1]:argv[2], prints the backend, then reads a line per
    /// command on stdin ("ping"), echoing it and printing the echo; prints "closed" at the end.
    static let longConnection = """
    import socket, sys
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    f = c.makefile()
    print(f.readline().strip(), flush=True)
    for line in sys.stdin:
        c.sendall(line.encode())
        got = f.readline()
        print(got.strip() if got else "closed", flush=True)
    """

    static func start(in namespace: TestNamespace, addresses: [String]) throws -> NamespaceProcess {
        let process = try NamespaceProcess(in: namespace, ["python3", "-u", "-c", servers] + addresses)
        guard process.firstLine() == "ready" else { throw NamespaceError("the backend servers did not start") }
        return process
    }

    /// Backend → connections, from `connectMany`.
    static func spread(in namespace: TestNamespace, host: String, port: UInt16, count: Int) throws -> [String: Int] {
        let output = try NamespaceProcess(in: namespace, ["python3", "-c", connectMany, host, String(port), String(count)]).output()
        var result: [String: Int] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let number = Int(parts[1]) { result[String(parts[0])] = number }
        }
        return result
    }

    static func udp(in namespace: TestNamespace, host: String, port: UInt16, sourcePort: UInt16) throws -> String {
        try NamespaceProcess(in: namespace, ["python3", "-c", udpOnce, host, String(port), String(sourcePort)]).output()
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
