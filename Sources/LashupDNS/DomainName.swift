/// A domain name held in uncompressed wire form (length-prefixed labels ending in the root's
/// zero byte), case preserved as received.
///
/// Equality and hashing ignore ASCII case (RFC 4343), so a name can be used as a dictionary key
/// while answers still echo the case a client asked with (resolvers that randomise case,
/// "0x20", check it).
public struct DomainName: Hashable, Sendable, CustomStringConvertible {
    /// Longest name in wire form (RFC 1035 §2.3.4).
    public static let maximumWireLength = 255
    /// Longest label (RFC 1035 §2.3.4).
    public static let maximumLabelLength = 63

    /// The name in uncompressed wire form, ending with the zero-length root label.
    public let wire: [UInt8]

    /// The root name `.`.
    public static let root = DomainName(uncheckedWire: [0])

    init(uncheckedWire wire: [UInt8]) { self.wire = wire }

    /// Parses presentation form: `a.b.c` or `a.b.c.`. Labels are taken literally (no `\` escapes):
    /// they must be 1–63 bytes and the whole name at most 255 bytes in wire form.
    public init(_ text: String) throws(DNSError) {
        var wire: [UInt8] = []
        let trimmed = text.hasSuffix(".") ? String(text.dropLast()) : text
        if !trimmed.isEmpty {
            for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
                let bytes = Array(label.utf8)
                guard !bytes.isEmpty else { throw .invalidName("\(text): empty label") }
                guard bytes.count <= Self.maximumLabelLength else {
                    throw .invalidName("\(text): label longer than \(Self.maximumLabelLength) bytes")
                }
                guard !bytes.contains(where: { $0 <= 0x20 || $0 >= 0x7f }) else {
                    throw .invalidName("\(text): labels may hold only printable ASCII without spaces")
                }
                wire.append(UInt8(bytes.count))
                wire += bytes
            }
        }
        wire.append(0)
        guard wire.count <= Self.maximumWireLength else {
            throw .invalidName("\(text): longer than \(Self.maximumWireLength) bytes")
        }
        self.wire = wire
    }

    /// Builds a name from labels (each 1–63 bytes).
    public init(labels: [[UInt8]]) throws(DNSError) {
        var wire: [UInt8] = []
        for label in labels {
            guard !label.isEmpty, label.count <= Self.maximumLabelLength else { throw .invalidName("label of \(label.count) bytes") }
            wire.append(UInt8(label.count))
            wire += label
        }
        wire.append(0)
        guard wire.count <= Self.maximumWireLength else { throw .invalidName("name longer than \(Self.maximumWireLength) bytes") }
        self.wire = wire
    }

    /// Offsets in `wire` at which each label's length byte sits (the root excluded).
    var labelOffsets: [Int] {
        var offsets: [Int] = []
        var index = 0
        while wire[index] != 0 {
            offsets.append(index)
            index += Int(wire[index]) + 1
        }
        return offsets
    }

    /// Number of labels, the root excluded (`a.b.` has 2).
    public var labelCount: Int { labelOffsets.count }

    /// The labels, leftmost first.
    public var labels: [ArraySlice<UInt8>] {
        labelOffsets.map { wire[($0 + 1)..<($0 + 1 + Int(wire[$0]))] }
    }

    /// The name without its leftmost `count` labels (the root for `count ≥ labelCount`).
    public func droppingFirst(_ count: Int) -> DomainName {
        let offsets = labelOffsets
        guard count < offsets.count else { return .root }
        return DomainName(uncheckedWire: Array(wire[offsets[count]...]))
    }

    /// Whether this name equals `ancestor` or lies below it.
    public func isSubdomain(of ancestor: DomainName) -> Bool {
        let extra = labelCount - ancestor.labelCount
        return extra >= 0 && droppingFirst(extra) == ancestor
    }

    /// This name with `suffix` (which it must be under) replaced by `replacement`, or nil when it
    /// is not under `suffix` or the result would be too long.
    public func replacingSuffix(_ suffix: DomainName, with replacement: DomainName) -> DomainName? {
        let extra = labelCount - suffix.labelCount
        guard extra >= 0, droppingFirst(extra) == suffix else { return nil }
        let head = Array(wire[..<(wire.count - suffix.wire.count)])
        let result = head + replacement.wire
        guard result.count <= Self.maximumWireLength else { return nil }
        return DomainName(uncheckedWire: result)
    }

    /// The same name in lower case.
    public var lowercased: DomainName { DomainName(uncheckedWire: wire.map(Self.lower)) }

    /// Presentation form with a trailing dot; bytes outside printable ASCII and the characters
    /// `.` and `\` inside labels are escaped as `\DDD`.
    public var description: String {
        if wire == [0] { return "." }
        var text = ""
        for label in labels {
            for byte in label {
                if byte > 0x20, byte < 0x7f, byte != UInt8(ascii: "."), byte != UInt8(ascii: "\\") {
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let digits = String(byte)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            text += "."
        }
        return text
    }

    /// `description` without the trailing dot (the form the store and the CLI use).
    public var relativeDescription: String {
        let text = description
        return text == "." ? "" : String(text.dropLast())
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
    }

    public static func == (left: DomainName, right: DomainName) -> Bool {
        guard left.wire.count == right.wire.count else { return false }
        for index in left.wire.indices where lower(left.wire[index]) != lower(right.wire[index]) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        for byte in wire { hasher.combine(Self.lower(byte)) }
    }
}
