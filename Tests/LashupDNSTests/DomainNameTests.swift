import LashupDNS
import LashupTestSupport
import Testing

/// `DomainName`: presentation parsing, case rules (RFC 4343) and the suffix operations the
/// zone table and the renaming of zones use.
@Suite("Domain names", .onDedicatedThread)
struct DomainNameTests {
    static func name(_ text: String) -> DomainName { try! DomainName(text) }

    /// Wire form built by hand: length-prefixed labels and the root's zero.
    static func wire(_ labels: String...) -> [UInt8] {
        labels.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    /// True when `body` throws `.invalidName`.
    static func isInvalidName(_ body: () throws(DNSError) -> DomainName) -> Bool {
        do { _ = try body(); return false } catch {
            if case .invalidName = error { return true }
            return false
        }
    }

    @Test("presentation form parses to length-prefixed labels, with or without the trailing dot")
    func parse() throws {
        let name = try DomainName("www.example.com")
        #expect(name.wire == Self.wire("www", "example", "com"))
        #expect(name.labelCount == 3)
        #expect(name.labels.map { Array($0) } == [Array("www".utf8), Array("example".utf8), Array("com".utf8)])
        #expect(name.description == "www.example.com.")
        #expect(name.relativeDescription == "www.example.com")
        let dotted = try DomainName("www.example.com.")
        #expect(dotted == name)
        #expect(dotted.wire == name.wire, "the trailing dot only marks the name absolute")
        #expect(try DomainName("a").wire == [1, 0x61, 0])
    }

    @Test("the root: empty text and a lone dot")
    func root() throws {
        #expect(try DomainName(".") == .root)
        #expect(try DomainName("") == .root)
        #expect(DomainName.root.wire == [0])
        #expect(DomainName.root.labelCount == 0)
        #expect(DomainName.root.description == ".")
        #expect(DomainName.root.relativeDescription == "")
    }

    @Test("empty labels are refused: doubled, leading and lone extra dots")
    func emptyLabels() {
        for text in ["a..b", ".a", "..", "a.b..", ".a.b."] {
            #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(text) }, "\(text)")
        }
        #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(labels: [Array("a".utf8), []]) })
    }

    @Test("a label may hold 63 bytes, not 64")
    func labelLength() throws {
        let longest = String(repeating: "x", count: 63)
        let name = try DomainName("\(longest).example")
        #expect(name.labels.first?.count == 63)
        #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(String(repeating: "x", count: 64) + ".example") })
        #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(labels: [Array(repeating: 0x61, count: 64)]) })
        #expect(try DomainName(labels: [Array(repeating: 0x61, count: 63)]).wire.count == 65)
    }

    @Test("a name may take 255 bytes in wire form, not 256")
    func nameLength() throws {
        let label63 = String(repeating: "a", count: 63)
        // 3 × (1 + 63) + (1 + 61) + 1 = 255.
        let longest = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(try DomainName(longest).wire.count == 255)
        #expect(try DomainName(longest + ".").wire.count == 255, "the trailing dot adds no byte")
        // One byte more: 256.
        let tooLong = [label63, label63, label63, String(repeating: "b", count: 62)].joined(separator: ".")
        #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(tooLong) })
        #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(tooLong + ".") })
        // Many short labels: 128 × "a." is 256 bytes with the root.
        #expect(try DomainName(Array(repeating: "a", count: 127).joined(separator: ".")).wire.count == 255)
        #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(Array(repeating: "a", count: 128).joined(separator: ".")) })
        let labels = Array(repeating: Array("a".utf8), count: 128)
        #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(labels: labels) })
    }

    @Test("spaces, control bytes and non-ASCII are refused in presentation form")
    func unprintable() {
        for text in ["a b.com", "tab\t.com", "café.com", "nul\u{0}.com", "del\u{7f}.com"] {
            #expect(Self.isInvalidName { () throws(DNSError) in try DomainName(text) }, "\(text.debugDescription)")
        }
    }

    @Test("equality and hashing ignore ASCII case; wire form and description keep it")
    func caseRules() throws {
        let mixed = try DomainName("WwW.ExAmple.COM")
        let lower = try DomainName("www.example.com")
        #expect(mixed == lower)
        #expect(mixed.hashValue == lower.hashValue)
        #expect(Set([mixed, lower]).count == 1)
        #expect([lower: 1][mixed] == 1)
        #expect(mixed.wire == Self.wire("WwW", "ExAmple", "COM"), "case is preserved as given")
        #expect(mixed.description == "WwW.ExAmple.COM.")
        #expect(mixed.lowercased.wire == lower.wire)
        #expect(mixed != (try DomainName("www.example.co")))
        #expect(mixed != (try DomainName("www.example.com.x")))
        // Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by the same bit as 'A'/'a'.
        #expect(try DomainName("@") != (try DomainName("`")))
        #expect(try DomainName("[") != (try DomainName("{")))
        // Same bytes, different label boundaries: different names.
        #expect(try DomainName("ab.c") != (try DomainName("a.bc")))
    }

    @Test("description escapes dots, backslashes and unprintable bytes inside labels as \\DDD")
    func escapes() throws {
        let name = try DomainName(labels: [[0x61, 0x2e, 0x62], [0x5c], [0x00, 0x20, 0xff], Array("ok".utf8)])
        #expect(name.description == "a\\046b.\\092.\\000\\032\\255.ok.")
        #expect(name.labelCount == 4, "a dot inside a label is not a label boundary")
        // Presentation parsing takes a backslash literally (no escapes).
        let literal = try DomainName("a\\046b")
        #expect(literal.labelCount == 1)
        #expect(literal.wire == [6] + Array("a\\046b".utf8) + [0])
        #expect(literal.description == "a\\092046b.")
    }

    @Test("isSubdomain: itself, its ancestors and the root; label boundaries and case respected")
    func subdomain() {
        let www = Self.name("www.Example.com")
        #expect(www.isSubdomain(of: www))
        #expect(www.isSubdomain(of: Self.name("example.COM")))
        #expect(www.isSubdomain(of: Self.name("com")))
        #expect(www.isSubdomain(of: .root))
        #expect(DomainName.root.isSubdomain(of: .root))
        #expect(!www.isSubdomain(of: Self.name("ample.com")), "whole labels only")
        #expect(!www.isSubdomain(of: Self.name("a.www.example.com")))
        #expect(!www.isSubdomain(of: Self.name("example.org")))
        #expect(!DomainName.root.isSubdomain(of: Self.name("com")))
    }

    @Test("droppingFirst removes leftmost labels, down to the root")
    func dropping() {
        let name = Self.name("a.B.c")
        #expect(name.droppingFirst(0).wire == name.wire)
        #expect(name.droppingFirst(1).wire == Self.wire("B", "c"))
        #expect(name.droppingFirst(2) == Self.name("c"))
        #expect(name.droppingFirst(3) == .root)
        #expect(name.droppingFirst(10) == .root)
        #expect(DomainName.root.droppingFirst(1) == .root)
    }

    @Test("replacingSuffix moves a name under another suffix, keeping the head's case")
    func replacing() {
        let lashup = Self.name("lashup")
        let zone = Self.name("Example.ORG")
        let name = Self.name("Web.svc.LASHUP")
        let moved = name.replacingSuffix(lashup, with: zone)
        #expect(moved == Self.name("web.svc.example.org"))
        #expect(moved?.wire == Self.wire("Web", "svc", "Example", "ORG"))
        #expect(Self.name("lashup").replacingSuffix(lashup, with: zone)?.wire == zone.wire, "the whole name is the suffix")
        // The root as the suffix: every label is head (this trapped, indexing past the last label).
        #expect(name.replacingSuffix(.root, with: Self.name("x"))?.wire == Self.wire("Web", "svc", "LASHUP", "x"))
        #expect(name.replacingSuffix(.root, with: .root)?.wire == name.wire)
        #expect(DomainName.root.replacingSuffix(.root, with: zone)?.wire == zone.wire)
        #expect(name.replacingSuffix(Self.name("svc.lashup"), with: .root) == Self.name("web"))
        #expect(name.replacingSuffix(Self.name("other"), with: zone) == nil, "not under the suffix")
        #expect(name.replacingSuffix(Self.name("hup"), with: zone) == nil, "whole labels only")
        #expect(Self.name("lashup").replacingSuffix(Self.name("a.lashup"), with: zone) == nil)
        // 250 bytes of head on a 1-label suffix: 255 bytes under a 3-byte label, 256 under 4.
        let label63 = String(repeating: "a", count: 63)
        let long = Self.name([label63, label63, label63, String(repeating: "b", count: 57), "x"].joined(separator: "."))
        #expect(long.wire.count == 253)
        #expect(long.replacingSuffix(Self.name("x"), with: Self.name("y")) != nil)
        #expect(long.replacingSuffix(Self.name("x"), with: Self.name("yyy"))?.wire.count == 255)
        #expect(long.replacingSuffix(Self.name("x"), with: Self.name("yyyy")) == nil, "256 bytes")
    }
}
