/// Swift's `String` equality is Unicode canonical equivalence: two strings with different
/// bytes can compare equal. Replicated state must be canonical (equal values encode to equal
/// bytes, because digests and anti-entropy compare encodings), so everything in this module
/// compares and hashes strings by their UTF-8 bytes instead.
enum ByteOrderedString {
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }

    static func less(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    static func hash(_ string: String, into hasher: inout Hasher) {
        hasher.combine(string.utf8.count)
        let hashedContiguously: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
        if hashedContiguously == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }
}
