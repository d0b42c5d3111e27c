/// Swift's `String` equality is Unicode canonical equivalence: two strings with different
/// bytes can compare equal. Replicated state must be canonical (equal values encode to equal
/// bytes, because digests and anti-entropy compare encodings), so everything in this module
/// compares and hashes strings by their UTF-8 bytes instead.
///
/// These run on every dictionary probe of a dot or a value, so native strings are compared
/// through their contiguous UTF-8 storage rather than element by element through `UTF8View`.
enum ByteOrderedString {
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return withBytes(lhs) { left in
            withBytes(rhs) { right in left.elementsEqual(right) }
        }
    }

    static func less(_ lhs: String, _ rhs: String) -> Bool {
        withBytes(lhs) { left in
            withBytes(rhs) { right in
                let common = min(left.count, right.count)
                for index in 0..<common where left[index] != right[index] {
                    return left[index] < right[index]
                }
                return left.count < right.count
            }
        }
    }

    static func hash(_ string: String, into hasher: inout Hasher) {
        withBytes(string) { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }

    private static func withBytes<Result>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        let copy = Array(string.utf8)
        return copy.withUnsafeBufferPointer(body)
    }
}
