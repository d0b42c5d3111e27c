import Foundation

/// A JSON document, for request bodies and responses. Objects print with sorted keys, so a
/// response is the same bytes for the same state.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a document; the error names what is wrong and where (for a 400 response).
    public static func parse(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        var parser = JSONParser(bytes)
        return try parser.document()
    }

    /// Compact JSON text.
    public var text: String {
        var output = ""
        write(to: &output)
        return output
    }

    func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case let .bool(value): output += value ? "true" : "false"
        case let .integer(value): output += String(value)
        case let .number(value): output += value.isFinite ? "\(value)" : "null"
        case let .string(value): Self.writeString(value, to: &output)
        case let .array(values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case let .object(fields):
            output += "{"
            for (index, name) in fields.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                Self.writeString(name, to: &output)
                output += ":"
                fields[name]!.write(to: &output)
            }
            output += "}"
        }
    }

    static func writeString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    public subscript(field: String) -> JSONValue? {
        if case let .object(fields) = self { fields[field] } else { nil }
    }
}

/// A request the API refuses, with the HTTP status and a message naming the problem.
public enum APIError: Error, Sendable, Equatable {
    case badRequest(String)
    case notFound(String)
    case unavailable(String)
}
