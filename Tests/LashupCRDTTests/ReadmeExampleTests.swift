import LashupCRDT
import LashupTestSupport
import Testing

/// The README's CRDT example, kept compiling and true.
@Suite("README example", .onDedicatedThread)
struct ReadmeExampleTests {
    @Test("the README's map example works as written")
    func readmeExample() throws {
        var vips = Causal<ORMap>()
        let key: Value = .tuple(["tcp", .ipAddress(IPAddress("11.0.0.1")!), 80])
        let delta = vips.apply([.update(key, .add("10.0.0.5:8080"))], by: "node-a#1")

        var elsewhere = Causal<ORMap>()
        elsewhere.merge(delta)
        #expect(elsewhere.store.set(key) == ["10.0.0.5:8080"])
        let bytes = delta.encodedBytes()
        let decoded = try Causal<ORMap>(decoding: bytes)
        #expect(decoded == delta)
        #expect(elsewhere == vips)
    }
}
