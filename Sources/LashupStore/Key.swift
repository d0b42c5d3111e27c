import LashupWire

/// A key of the replicated store: a path of segments, such as `["minuteman", "vips2"]`.
/// Keys order segment by segment (by UTF-8 bytes), which is the order listings use.
public struct Key: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let segments: [String]

    /// Checks the key against `limits`: 1...16 segments, each 1...255 bytes without "/", at
    /// most 1 KiB in all.
    public init(_ segments: [String], limits: StoreLimits = StoreLimits()) throws(StoreError) {
        guard !segments.isEmpty else { throw .invalidKey("a key has at least one segment") }
        guard segments.count <= limits.maximumKeySegments else {
            throw .invalidKey("\(segments.count) segments, at most \(limits.maximumKeySegments) allowed")
        }
        var total = 0
        for segment in segments {
            let bytes = segment.utf8.count
            guard bytes > 0 else { throw .invalidKey("empty segment in \(segments)") }
            guard bytes <= limits.maximumSegmentBytes else {
                throw .invalidKey("segment of \(bytes) bytes, at most \(limits.maximumSegmentBytes) allowed")
            }
            guard !segment.contains("/") else { throw .invalidKey("segment \"\(segment)\" contains \"/\"") }
            total += bytes
        }
        guard total <= limits.maximumKeyBytes else {
            throw .invalidKey("\(total) bytes, at most \(limits.maximumKeyBytes) allowed")
        }
        self.segments = segments
    }

    /// Parses `"minuteman/vips2"`.
    public init(parsing path: String, limits: StoreLimits = StoreLimits()) throws(StoreError) {
        try self.init(path.split(separator: "/", omittingEmptySubsequences: false).map(String.init), limits: limits)
    }

    // Equality, hashing and order go by UTF-8 bytes, not Unicode canonical equivalence, so
    // two keys are the same exactly when they encode the same (digests compare encodings).
    public static func == (lhs: Key, rhs: Key) -> Bool {
        lhs.segments.count == rhs.segments.count
            && zip(lhs.segments, rhs.segments).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(segments.count)
        for segment in segments {
            hasher.combine(segment.utf8.count)
            for byte in segment.utf8 { hasher.combine(byte) }
        }
    }

    public static func < (lhs: Key, rhs: Key) -> Bool {
        for (left, right) in zip(lhs.segments, rhs.segments) where !left.utf8.elementsEqual(right.utf8) {
            return left.utf8.lexicographicallyPrecedes(right.utf8)
        }
        return lhs.segments.count < rhs.segments.count
    }

    public var description: String { segments.joined(separator: "/") }
}

extension Key: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeVarint(segments.count)
        for segment in segments { writer.writeString(segment) }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let count = try reader.readCount("key.segments", minimumElementBytes: 2)
        var segments: [String] = []
        for _ in 0..<count { segments.append(try reader.readString("key.segment")) }
        do {
            try self.init(segments)
        } catch {
            throw .invalidValue(field: "key", reason: error.description)
        }
    }
}

/// Selects keys by prefix, with `*` matching any one segment: `["dns", "zones"]` matches every
/// zone, `["navstar", "overlay", "*"]` every overlay subnet.
public struct KeyPattern: Hashable, Sendable, CustomStringConvertible {
    public enum Segment: Hashable, Sendable {
        case literal(String)
        case any
    }

    public let segments: [Segment]

    /// An empty pattern matches every key.
    public init(_ segments: [String], limits: StoreLimits = StoreLimits()) throws(StoreError) {
        guard segments.count <= limits.maximumKeySegments else {
            throw .invalidPattern("\(segments.count) segments, at most \(limits.maximumKeySegments) allowed")
        }
        var parsed: [Segment] = []
        for segment in segments {
            guard !segment.isEmpty else { throw .invalidPattern("empty segment in \(segments)") }
            parsed.append(segment == "*" ? .any : .literal(segment))
        }
        self.segments = parsed
    }

    /// Parses `"navstar/overlay/*"`; `""` matches everything.
    public init(parsing text: String, limits: StoreLimits = StoreLimits()) throws(StoreError) {
        try self.init(text.isEmpty ? [] : text.split(separator: "/", omittingEmptySubsequences: false).map(String.init), limits: limits)
    }

    /// Whether `key` starts with segments matching this pattern.
    public func matches(_ key: Key) -> Bool {
        guard key.segments.count >= segments.count else { return false }
        for (pattern, segment) in zip(segments, key.segments) {
            if case let .literal(literal) = pattern, !literal.utf8.elementsEqual(segment.utf8) { return false }
        }
        return true
    }

    public var description: String {
        segments.map { if case let .literal(text) = $0 { text } else { "*" } }.joined(separator: "/")
    }
}
