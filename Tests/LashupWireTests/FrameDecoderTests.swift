import LashupTestSupport
import LashupWire
import NIOCore
import PropertyBased
import Testing

/// A message type used only by these tests.
private struct Greeting: WireMessage, Equatable {
    static let messageType = MessageType(rawValue: 0xFFF0)
    var name: String
    var count: UInt64

    func encode(to writer: inout WireWriter) {
        writer.writeString(name)
        writer.writeVarint(count)
    }

    init(name: String, count: UInt64) {
        self.name = name
        self.count = count
    }

    init(from reader: inout WireReader) throws(WireError) {
        name = try reader.readString("greeting.name")
        count = try reader.readVarint("greeting.count")
    }
}

@Suite("Frames", .onDedicatedThread)
struct FrameDecoderTests {
    @Test("a typed message survives framing")
    func typedRoundTrip() throws {
        let message = Greeting(name: "node-a", count: 42)
        var stream = Frame(message).encoded()
        let frame = try #require(try FrameDecoder().nextFrame(from: &stream))
        #expect(frame.type == Greeting.messageType)
        #expect(frame.version == Frame.currentVersion)
        #expect(try frame.decode(as: Greeting.self) == message)
        #expect(stream.readableBytes == 0)
    }

    @Test("frames split at any byte boundary reassemble in order")
    func byteByByte() async {
        await propertyCheck(input: Gen.letterOrNumber.string(of: 0...30).array(of: 1...5)) { names in
            var wire = ByteBuffer()
            for (index, name) in names.enumerated() {
                Frame(Greeting(name: name, count: UInt64(index))).write(to: &wire)
            }
            var pending = ByteBuffer()
            var decoded: [Greeting] = []
            let decoder = FrameDecoder()
            for byte in wire.readableBytesView {
                pending.writeInteger(byte)
                while let frame = try decoder.nextFrame(from: &pending) {
                    decoded.append(try frame.decode(as: Greeting.self))
                }
            }
            #expect(decoded.map(\.name) == names)
            #expect(decoded.map(\.count) == names.indices.map { UInt64($0) })
        }
    }

    @Test("a stream that is not Lashup is refused at its first two bytes")
    func badMagic() {
        var buffer = ByteBuffer(bytes: Array("GET / HTTP/1.1\r\n".utf8))
        #expect(throws: WireError.badMagic(found: 0x4745)) { try FrameDecoder().nextFrame(from: &buffer) }
    }

    @Test("an unsupported protocol version is refused before the payload arrives")
    func unsupportedVersion() {
        var buffer = ByteBuffer(bytes: [0x4C, 0x53, 99])
        #expect(throws: WireError.unsupportedVersion(found: 99, supported: Frame.supportedVersions)) {
            try FrameDecoder().nextFrame(from: &buffer)
        }
    }

    @Test("an oversized frame is refused from its header alone")
    func oversized() {
        var buffer = ByteBuffer()
        buffer.writeInteger(Frame.magic, endianness: .big)
        buffer.writeInteger(Frame.currentVersion)
        buffer.writeInteger(UInt16(1), endianness: .big)
        buffer.writeInteger(UInt32(5 * 1024 * 1024), endianness: .big)
        #expect(throws: WireError.frameTooLarge(declared: 5 * 1024 * 1024, limit: 4 * 1024 * 1024)) {
            try FrameDecoder().nextFrame(from: &buffer)
        }
        var small = ByteBuffer()
        Frame(Greeting(name: String(repeating: "a", count: 100), count: 1)).write(to: &small)
        #expect(throws: WireError.self) { try FrameDecoder(maximumFrameBytes: 64).nextFrame(from: &small) }
    }

    @Test("decoding a payload as the wrong type is an error")
    func wrongType() throws {
        let frame = Frame(type: MessageType(rawValue: 1), payload: ByteBuffer())
        #expect(throws: WireError.self) { try frame.decode(as: Greeting.self) }
    }

    @Test("random bytes never crash the decoder")
    func randomBytes() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...255).array(of: 0...64)) { bytes in
            // Half the time start with a valid header so the payload decoder is exercised too.
            var buffer = ByteBuffer()
            if bytes.first.map({ $0 & 1 == 0 }) ?? false {
                buffer.writeBytes([0x4C, 0x53, Frame.currentVersion, 0xFF, 0xF0])
                buffer.writeInteger(UInt32(bytes.count), endianness: .big)
            }
            buffer.writeBytes(bytes)
            do {
                if let frame = try FrameDecoder().nextFrame(from: &buffer) {
                    _ = try? frame.decode(as: Greeting.self)
                }
            } catch {
                #expect(!"\(error)".isEmpty)
            }
        }
    }
}
