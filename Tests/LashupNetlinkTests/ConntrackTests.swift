import Foundation
import LashupCRDT
import LashupNetlink
import LashupTestSupport
import Testing

/// ctnetlink against a real kernel: UDP flows to a VIP DNATed to two backends inside a
/// namespace of the test's own, then one backend's connections forgotten and only those.
@Suite("conntrack in a namespace", .onOwnThread, .enabled(if: TestNamespace.canRun && hasNFT, "needs root, iproute2 and nftables"))
struct ConntrackTests {
    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// A namespace where UDP to 11.1.1.1:80 from source port 5001 goes to 10.0.0.5:8080 and
    /// from 5002 to 10.0.0.6:8080; 11.1.1.1:81 and 10.0.0.7:80 are not translated.
    func flows() throws -> TestNamespace {
        let namespace = try TestNamespace("conntrack")
        try namespace.batch(["address add 11.1.1.1/32 dev lo", "address add 10.0.0.5/32 dev lo", "address add 10.0.0.6/32 dev lo", "address add 10.0.0.7/32 dev lo"])
        // A nat chain is what makes the kernel track connections in this namespace.
        try namespace.nft(["-f", "-"], input: """
            table ip lb {
                chain out {
                    type nat hook output priority -100; policy accept;
                    ip daddr 11.1.1.1 udp dport 80 udp sport 5001 dnat to 10.0.0.5:8080
                    ip daddr 11.1.1.1 udp dport 80 udp sport 5002 dnat to 10.0.0.6:8080
                }
            }
            """)
        try TestNamespace.execute("/usr/sbin/ip", ["netns", "exec", namespace.name, "python3", "-c", """
            import socket
            for sport, host, port in [(5001, "11.1.1.1", 80), (5002, "11.1.1.1", 80), (5003, "11.1.1.1", 81), (5004, "10.0.0.7", 80)]:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("11.1.1.1" if host == "11.1.1.1" else "10.0.0.7", sport))
                s.sendto(b"x", (host, port))
                s.close()
            """])
        return namespace
    }

    @Test("entries are read with both tuples; deleting by protocol, original destination and reply source forgets only those")
    func deleteOneBackend() throws {
        let namespace = try flows()
        let table = try Conntrack(namespace: namespace.path)
        let vip = ConntrackFilter(protocolNumber: 17, originalDestination: ip("11.1.1.1"))
        let before = try table.entries(matching: vip)
        #expect(Set(before.map(\.original.destinationPort)) == [80, 81], "\(before)")
        let toFive = before.filter { $0.reply.source == ip("10.0.0.5") }
        #expect(toFive.count == 1 && toFive.first?.reply.sourcePort == 8080 && toFive.first?.original.sourcePort == 5001, "\(before)")
        #expect(before.contains { $0.reply.source == ip("10.0.0.6") && $0.original.sourcePort == 5002 })
        let untouched = try table.entries(matching: ConntrackFilter(protocolNumber: 17, originalDestination: ip("10.0.0.7")))
        #expect(untouched.count == 1)

        let backend = ConntrackFilter(protocolNumber: 17, originalDestination: ip("11.1.1.1"), originalDestinationPort: 80, replySource: ip("10.0.0.5"))
        #expect(try table.delete(matching: backend) == 1)
        let after = try table.entries(matching: vip)
        #expect(!after.contains { $0.reply.source == ip("10.0.0.5") }, "\(after)")
        #expect(Set(after) == Set(before).subtracting(toFive), "only the one backend's flow went: \(after)")
        #expect(try table.entries(matching: ConntrackFilter(protocolNumber: 17, originalDestination: ip("10.0.0.7"))) == untouched)
        // TCP to the VIP matches nothing (there is none), and a second delete finds nothing.
        #expect(try table.delete(matching: ConntrackFilter(protocolNumber: 6, originalDestination: ip("11.1.1.1"))) == 0)
        #expect(try table.delete(matching: backend) == 0)
    }

    @Test("a namespace that does not exist is named in the error")
    func missingNamespace() {
        do {
            _ = try Conntrack(namespace: "/run/netns/lashup-no-such-\(getpid())")
            Issue.record("opened a namespace that does not exist")
        } catch {
            #expect(error.kind == .other && "\(error)".contains("lashup-no-such") && "\(error)".contains("no such file"), "\(error)")
        }
    }
}
