import LashupTestSupport
import LashupWire
import NIOCore
import PropertyBased
import Testing

@Suite("Wire reader and writer", .onDedicatedThread)
struct WireReaderWriterTests {
    @Test("varints round-trip and use the shortest form")
    func varintRoundTrip() async {
        await propertyCheck(input: Gen.uint64(in: 0...UInt64.max)) { value throws in
            var writer = WireWriter()
            writer.writeVarint(value)
            let bytes = writer.bytes
            let expectedLength = value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
            #expect(bytes.count == expectedLength)
            var reader = WireReader(bytes: bytes)
            #expect(try reader.readVarint("v") == value)
            #expect(reader.remaining == 0)
        }
    }

    @Test("signed varints round-trip through zigzag")
    func signedVarintRoundTrip() async {
        await propertyCheck(input: Gen.int64(in: Int64.min...Int64.max)) { value throws in
            var writer = WireWriter()
            writer.writeSignedVarint(value)
            var reader = WireReader(bytes: writer.bytes)
            #expect(try reader.readSignedVarint("v") == value)
        }
    }

    @Test("small negative numbers stay small")
    func zigzagIsCompact() {
        var writer = WireWriter()
        writer.writeSignedVarint(-1)
        #expect(writer.bytes == [1])
    }

    @Test("over-long and overflowing varints are malformed")
    func malformedVarints() {
        // 0 written in two bytes: a second encoding of the same number.
        var overLong = WireReader(bytes: [0x80, 0x00])
        #expect(throws: WireError.malformedVarint(field: "v")) { try overLong.readVarint("v") }
        // Eleven continuation bytes.
        var tooLong = WireReader(bytes: [UInt8](repeating: 0xFF, count: 11))
        #expect(throws: WireError.malformedVarint(field: "v")) { try tooLong.readVarint("v") }
        // Ten bytes whose last carries bits beyond 64.
        var overflow = WireReader(bytes: [UInt8](repeating: 0xFF, count: 9) + [0x02])
        #expect(throws: WireError.malformedVarint(field: "v")) { try overflow.readVarint("v") }
    }

    @Test("strings and bytes round-trip", arguments: ["", "lashup", "ünïcødé ✓", String(repeating: "x", count: 1000)])
    func stringRoundTrip(_ text: String) throws {
        var writer = WireWriter()
        writer.writeString(text)
        writer.writeBytes(Array(text.utf8))
        var reader = WireReader(bytes: writer.bytes)
        #expect(try reader.readString("s") == text)
        #expect(try reader.readBytes("b") == Array(text.utf8))
        try reader.expectEnd("all")
    }

    @Test("every strict prefix of an encoding is reported as truncated")
    func truncation() async {
        await propertyCheck(input: Gen.letterOrNumber.string(of: 0...40), Gen.uint64(in: 0...UInt64.max)) { text, number in
            var writer = WireWriter()
            writer.writeString(text)
            writer.writeVarint(number)
            writer.writeUInt32(7)
            let bytes = writer.bytes
            for cut in 0..<bytes.count {
                var reader = WireReader(bytes: bytes[0..<cut])
                #expect(throws: WireError.self) {
                    _ = try reader.readString("s")
                    _ = try reader.readVarint("n")
                    _ = try reader.readUInt32("u")
                }
            }
        }
    }

    @Test("a truncation error names the field and the shortfall")
    func truncationNamesField() {
        var reader = WireReader(bytes: [0x05, 0x61])
        #expect(throws: WireError.truncated(field: "name", needed: 5, remaining: 1)) { try reader.readString("name") }
        #expect("\(WireError.truncated(field: "name", needed: 5, remaining: 1))".contains("\"name\""))
    }

    @Test("lengths above the field limit are refused before allocating")
    func fieldLimit() {
        var writer = WireWriter()
        writer.writeVarint(UInt64(2_000_000))
        var reader = WireReader(bytes: writer.bytes, limits: WireLimits(maximumFieldBytes: 1024))
        #expect(throws: WireError.limitExceeded(field: "b", value: 2_000_000, limit: 1024)) { try reader.readBytes("b") }
    }

    @Test("counts are checked against the remaining bytes")
    func countAgainstRemaining() {
        var writer = WireWriter()
        writer.writeVarint(UInt64(1000))
        writer.writeUInt8(1)
        var reader = WireReader(bytes: writer.bytes)
        #expect(throws: WireError.countExceedsRemaining(field: "items", count: 1000, remaining: 1)) {
            try reader.readCount("items")
        }
    }

    @Test("counts are checked against the element limit")
    func countAgainstLimit() {
        var writer = WireWriter()
        writer.writeVarint(UInt64(10))
        writer.writeFixedBytes([UInt8](repeating: 0, count: 10))
        var reader = WireReader(bytes: writer.bytes, limits: WireLimits(maximumElementCount: 5))
        #expect(throws: WireError.limitExceeded(field: "items", value: 10, limit: 5)) { try reader.readCount("items") }
    }

    @Test("invalid UTF-8 is an error, never repaired")
    func invalidUTF8() {
        var reader = WireReader(bytes: [0x02, 0xC3, 0x28])
        #expect(throws: WireError.invalidUTF8(field: "s")) { try reader.readString("s") }
    }

    @Test("booleans other than 0 and 1 are refused")
    func strictBool() {
        var reader = WireReader(bytes: [2])
        #expect(throws: WireError.unknownTag(field: "flag", tag: 2)) { try reader.readBool("flag") }
    }

    @Test("nesting deeper than the limit is refused")
    func nestingLimit() throws {
        func descend(_ reader: inout WireReader, levels: Int) throws(WireError) {
            guard levels > 0 else { return }
            try reader.nested("level") { (inner) throws(WireError) in try descend(&inner, levels: levels - 1) }
        }
        var shallow = WireReader(bytes: [], limits: WireLimits(maximumNestingDepth: 4))
        try descend(&shallow, levels: 4)
        var deep = WireReader(bytes: [], limits: WireLimits(maximumNestingDepth: 4))
        #expect(throws: WireError.nestingTooDeep(field: "level", limit: 4)) { try descend(&deep, levels: 5) }
    }

    @Test("leftover bytes are reported")
    func trailingBytes() {
        let reader = WireReader(bytes: [1, 2, 3])
        #expect(throws: WireError.trailingBytes(field: "message", count: 3)) { try reader.expectEnd("message") }
    }
}
