import LashupTasks
import Testing

@Suite struct RecordIODecoderTests {
    static func encode(_ frames: [String]) -> [UInt8] {
        frames.flatMap { Array("\($0.utf8.count)\n".utf8) + Array($0.utf8) }
    }

    static let frames = [#"{"type":"SUBSCRIBED"}"#, #"{"type":"HEARTBEAT"}"#, "", #"{"type":"TASK_ADDED","task_added":{"task":{"name":"é"}}}"#]

    @Test func framesSplitAtEveryByteBoundaryComeOutWhole() throws {
        let bytes = Self.encode(Self.frames)
        for cut in 0...bytes.count {
            var decoder = RecordIODecoder()
            let decoded = try decoder.feed(bytes[..<cut]) + decoder.feed(bytes[cut...])
            #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == Self.frames, "cut at \(cut)")
            #expect(decoder.isAtFrameBoundary)
            try decoder.finish()
        }
    }

    @Test func oneByteAtATime() throws {
        var decoder = RecordIODecoder()
        var decoded: [[UInt8]] = []
        for byte in Self.encode(Self.frames) { decoded += try decoder.feed([byte]) }
        #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == Self.frames)
    }

    @Test func severalFramesInOneChunk() throws {
        var decoder = RecordIODecoder()
        let decoded = try decoder.feed(Self.encode(Self.frames + Self.frames))
        #expect(decoded.count == 8)
        #expect(String(decoding: decoded[7], as: UTF8.self) == Self.frames[3])
    }

    @Test func aPartialFrameWaitsAndTruncationIsNamed() throws {
        var decoder = RecordIODecoder()
        #expect(try decoder.feed(Array("10\n01234".utf8)).isEmpty)
        #expect(!decoder.isAtFrameBoundary)
        #expect(throws: RecordIOError.truncated) { try decoder.finish() }
        #expect(try decoder.feed(Array("56789".utf8)) == [Array("0123456789".utf8)])
        try decoder.finish()
    }

    @Test func aNonDigitInTheLengthIsNamed() {
        var decoder = RecordIODecoder()
        #expect(throws: RecordIOError.nonDigitInLength(byte: UInt8(ascii: "x"))) { try decoder.feed(Array("1x\n".utf8)) }
        // A failed stream cannot resynchronise: it stays failed.
        #expect(throws: RecordIOError.nonDigitInLength(byte: UInt8(ascii: "x"))) { try decoder.feed(Array("2\n{}".utf8)) }
        var crlf = RecordIODecoder()
        #expect(throws: RecordIOError.nonDigitInLength(byte: 0x0D)) { try crlf.feed(Array("2\r\n{}".utf8)) }
        var negative = RecordIODecoder()
        #expect(throws: RecordIOError.nonDigitInLength(byte: UInt8(ascii: "-"))) { try negative.feed(Array("-2\n{}".utf8)) }
    }

    @Test func anEmptyLengthIsNamed() {
        var decoder = RecordIODecoder()
        #expect(throws: RecordIOError.emptyLength) { try decoder.feed(Array("\n{}".utf8)) }
    }

    @Test func anOversizeFrameIsRefusedBeforeItsBody() {
        var decoder = RecordIODecoder(maximumFrameBytes: 100)
        #expect(throws: RecordIOError.frameTooLarge(length: 101, limit: 100)) { try decoder.feed(Array("101\n".utf8)) }
        var exact = RecordIODecoder(maximumFrameBytes: 3)
        #expect((try? exact.feed(Array("3\nabc".utf8))) == [Array("abc".utf8)])
        // A default decoder refuses a length over 16 MiB as soon as its digits pass it.
        var huge = RecordIODecoder()
        #expect(throws: RecordIOError.frameTooLarge(length: 99_999_999, limit: RecordIODecoder.defaultMaximumFrameBytes)) {
            try huge.feed(Array("99999999".utf8))
        }
    }

    @Test func tooManyLengthDigitsAreNamed() {
        var decoder = RecordIODecoder(maximumFrameBytes: 100)
        // Leading zeros keep the value small: only the digit limit stops them.
        let limit = "100".count + 4
        #expect(throws: RecordIOError.lengthTooManyDigits(limit: limit)) { try decoder.feed(Array(repeating: UInt8(ascii: "0"), count: 50)) }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            var decoder = RecordIODecoder(maximumFrameBytes: 64)
            let count = Int(generator.next() % 200)
            // Mostly digits and newlines, so decoding gets past the length now and then.
            let alphabet = Array("0123456789\n\n{}ab".utf8) + [0, 0xFF]
            let bytes = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            var frames = 0
            var index = 0
            while index < bytes.count {
                let step = 1 + Int(generator.next() % 17)
                let end = min(bytes.count, index + step)
                guard let decoded = try? decoder.feed(bytes[index..<end]) else { break }
                frames += decoded.count
                for frame in decoded { #expect(frame.count <= 64) }
                index = end
            }
            #expect(frames <= bytes.count)
        }
    }
}

/// A small seeded generator, so a failing case replays.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
