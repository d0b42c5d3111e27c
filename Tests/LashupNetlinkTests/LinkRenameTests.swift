import LashupNetlink
import LashupTestSupport
import Testing

/// `RTNetlink.renameLink`, which the CNI plugin uses to give a container's veth end its
/// interface name once it is inside the container's namespace.
@Suite("link rename", .onOwnThread, .enabled(if: TestNamespace.canRun, "needs root and iproute2 to create network namespaces"))
struct LinkRenameTests {
    @Test("a link takes its new name and keeps its index; an unknown link and a taken name are refused")
    func rename() throws {
        let namespace = try TestNamespace("rename")
        let client = try RTNetlink(namespace: namespace.path)
        try client.apply(.addLink(Link(name: "tmp0", kind: .veth(peer: "tmp1"), up: false)))
        let before = try #require(try client.links().first { $0.name == "tmp0" })

        try client.renameLink("tmp0", to: "eth0")
        let links = try client.links()
        #expect(!links.contains { $0.name == "tmp0" })
        #expect(links.first { $0.name == "eth0" }?.index == before.index)
        #expect(links.first { $0.name == "tmp1" }?.kind == .veth(peer: "eth0"), "the peer sees the new name")
        #expect(try namespace.run(["link", "show", "eth0"]).contains("eth0@tmp1"))

        #expect(throws: NetlinkError.unknownInterface("nope0", subject: "link nope0")) { try client.renameLink("nope0", to: "x0") }
        let taken = #expect(throws: NetlinkError.self) { try client.renameLink("eth0", to: "tmp1") }
        #expect(taken?.kind == .exists)
        #expect(taken.map { "\($0)" }?.contains("link eth0 renamed to tmp1") == true, "the error names the rename")
    }
}
