/// One request to the kernel, before it has a sequence number: the message type and flags,
/// the payload (family header and attributes), and what it is about, for errors.
public struct NetlinkRequest: Sendable {
    public var type: UInt16
    public var flags: UInt16
    public var payload: [UInt8]
    /// Describes the object only when an error needs it: formatting addresses for 10 000
    /// requests that succeed cost more than the kernel's work on them.
    let describe: @Sendable () -> String

    /// `route 11.0.0.7/32 table 42`: what an error names.
    public var subject: String { describe() }

    init(type: UInt16, flags: UInt16, subject: @autoclosure @escaping @Sendable () -> String, _ body: (inout NetlinkWriter) -> Void) {
        self.type = type
        self.flags = flags
        describe = subject
        var writer = NetlinkWriter()
        body(&writer)
        payload = writer.bytes
    }

    /// The request as bytes with its header.
    func encoded(sequence: UInt32) -> [UInt8] {
        var writer = NetlinkWriter()
        encode(into: &writer, sequence: sequence)
        return writer.bytes
    }

    /// Appends the request with its header to a batch being written.
    func encode(into writer: inout NetlinkWriter, sequence: UInt32) {
        let start = writer.beginMessage(type: type, flags: flags, sequence: sequence)
        writer.append(bytes: payload)
        writer.endMessage(start)
    }
}
