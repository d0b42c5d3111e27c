/// A JSON object with keys in insertion order, for `--json` output that scripts can parse and
/// humans can diff.
struct JSONObject {
    private var fields: [(String, String)] = []

    mutating func add(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: UInt64) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Bool) { fields.append((key, value ? "true" : "false")) }

    mutating func add(_ key: String, _ value: Double?) {
        guard let value, value.isFinite else { return fields.append((key, "null")) }
        fields.append((key, value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)))
    }

    mutating func add(_ key: String, _ value: String) { fields.append((key, JSONObject.quote(value))) }

    mutating func add(_ key: String, _ object: JSONObject) { fields.append((key, object.text)) }

    mutating func add(_ key: String, _ values: [String]) {
        fields.append((key, "[" + values.map(JSONObject.quote).joined(separator: ", ") + "]"))
    }

    var text: String {
        "{" + fields.map { "\(JSONObject.quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    static func quote(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Two aligned columns.
func formatTable(_ rows: [(String, String)]) -> String {
    let width = rows.map(\.0.count).max() ?? 0
    return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
}
