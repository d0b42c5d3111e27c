/// The original's rule for turning task, framework and VIP names into DNS labels, so the names
/// clients used against it resolve the same here.
public enum LabelSanitising {
    /// Longest DNS label (RFC 1035).
    public static let maximumLabelLength = 63

    /// Lower-cased; leading non-alphanumerics dropped; `-`, `_` and `.` become `-`; every other
    /// character dropped; at most 63 characters; no trailing `-`. Empty when nothing is left.
    public static func label(_ text: String) -> String {
        var result: [UInt8] = []
        for byte in text.lowercased().utf8 {
            let alphanumeric = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            if alphanumeric {
                result.append(byte)
            } else if !result.isEmpty, byte == 0x2D || byte == 0x5F || byte == 0x2E {
                result.append(0x2D)
            }
            if result.count == maximumLabelLength { break }
        }
        while result.last == 0x2D { result.removeLast() }
        return String(decoding: result, as: UTF8.self)
    }
}
