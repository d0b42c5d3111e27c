import ArgumentParser
import Foundation
import LashupAPI
import LashupClient
import NIOHTTP1
import LashupRuntime

/// Options every client subcommand shares.
struct ClientOptions: ParsableArguments {
    @Option(help: "The agent's API, HOST:PORT (default: $LASHUP_API, else 127.0.0.1:62080).") var api: String?
    @Option(help: "API token (default: $LASHUP_API_TOKEN).") var token: String?
    @Flag(help: "Print JSON instead of a table, for scripts.") var json = false

    func client() throws(RuntimeError) -> APIClient {
        let environment = ProcessInfo.processInfo.environment
        return try APIClient(api: api ?? environment["LASHUP_API"] ?? "127.0.0.1:62080", token: token ?? environment["LASHUP_API_TOKEN"])
    }
}

/// Runs a client command's body; an error becomes one line on stderr and exit status 1.
func runClient(_ body: () async throws(RuntimeError) -> Void) async throws {
    do {
        try await body()
    } catch {
        FileHandle.standardError.write(Data("lashup: error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

enum URLText {
    static let segmentAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
    static let queryAllowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))

    /// `/lashup/kv/a/b` for key `a/b`, each segment percent-encoded.
    static func keyPath(_ key: String) -> String {
        "/lashup/kv/" + key.split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? String($0) }
            .joined(separator: "/")
    }

    static func query(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? text }
}

/// Prints rows as aligned columns under a header.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    for row in [header] + rows {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}

extension JSONValue {
    /// Plain text for a table cell.
    var cell: String {
        switch self {
        case .null: "-"
        case let .string(text): text
        case let .integer(number): String(number)
        case let .bool(flag): flag ? "yes" : "no"
        default: text
        }
    }

    var arrayItems: [JSONValue] { if case let .array(items) = self { items } else { [] } }
}
