import LashupAPI
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws(APIError) -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test("documents parse to the values they spell")
    func values() throws {
        #expect(try parse(#" {"a": [1, -2, 3.5, true, false, null, "x\"y\\z\n\u00e9\ud83d\ude00"], "b": {}} "#) == .object([
            "a": .array([.integer(1), .integer(-2), .number(3.5), .bool(true), .bool(false), .null, .string("x\"y\\z\né😀")]),
            "b": .object([:]),
        ]))
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try parse("1e3") == .number(1000))
    }

    @Test("printing and parsing round-trip")
    func roundTrip() throws {
        let value = JSONValue.object(["k": .array([.string("tab\t\u{1}"), .integer(-7), .bool(false), .null]), "z": .object(["n": .number(0.25)])])
        #expect(try parse(value.text) == value)
    }

    @Test("malformed documents are errors naming the problem", arguments: [
        ("", "end of input"), ("{", "expected a field name"), (#"{"a" 1}"#, "expected ':'"), ("[1 2]", "expected ','"),
        ("01", "after the document"), ("-", "invalid number"), ("1.", "invalid number"), ("tru", "unexpected character"),
        (#""abc"#, "unterminated string"), (#""\x""#, "invalid escape"), (#""\ud800""#, "unpaired surrogate"),
        ("\"a\u{01}\"", "control character"), ("[1] x", "after the document"), ("1e999", "out of range"),
    ])
    func malformed(text: String, expected: String) {
        #expect { try parse(text) } throws: { error in
            guard let error = error as? APIError, case let .badRequest(message) = error else { return false }
            return message.contains(expected)
        }
    }

    @Test("nesting is bounded")
    func depth() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: APIError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try parse(fine) != .null)
    }

    @Test("random bytes never crash the parser")
    func randomInput() {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let alphabet = Array(#"{}[]",:.-+eE0123456789 truefalsnl\u"#.utf8) + [0x00, 0xFF, 0xC3]
        for _ in 0..<5_000 {
            let bytes = (0..<Int(next() % 40)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            _ = try? JSONValue.parse(bytes)
        }
    }
}
