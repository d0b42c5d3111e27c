import ArgumentParser
import Foundation
import LashupAPI
import NIOHTTP1
import LashupRuntime

/// `lashup kv`: read and write the replicated store through the agent. Keys are written
/// `a/b/c`.
struct KVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv",
        abstract: "Read, update, list, watch and delete keys of the replicated store.",
        subcommands: [Get.self, Update.self, List.self, Watch.self, Delete.self]
    )

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a key's value (--json: as a JSON object).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The key, as a/b/c.") var key: String

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.GET, URLText.keyPath(key))
                printValue(answer["value"] ?? .null, json: options.json)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply operations to a key atomically; returns once durable on the agent.",
            discussion: """
                A value V is read as JSON when it is a JSON number, boolean or quoted string \
                (--set port=80 stores the integer 80, --set 'port="80"' the string "80"), and as \
                text otherwise. Operations apply in the order: --remove-field, --remove, --disable, \
                --set, --add, --enable, --incr.
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The key, as a/b/c.") var key: String
        @Option(name: .customLong("set"), help: "Register F takes value V (F=V).") var sets: [String] = []
        @Option(name: .customLong("add"), help: "Add V to set F (F=V).") var adds: [String] = []
        @Option(name: .customLong("remove"), help: "Remove V from set F, as observed (F=V).") var removes: [String] = []
        @Option(name: .customLong("incr"), help: "Add N to counter F (F=N; N may be negative).") var increments: [String] = []
        @Option(name: .customLong("enable"), help: "Enable flag F.") var enables: [String] = []
        @Option(name: .customLong("disable"), help: "Disable flag F.") var disables: [String] = []
        @Option(name: .customLong("remove-field"), help: "Remove field F (every type), as observed.") var removedFields: [String] = []

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let operations = try buildOperations()
                let body = Array(JSONValue.object(["operations": .array(operations)]).text.utf8)
                let answer = try await options.client().json(.PUT, URLText.keyPath(key), body: body)
                printValue(answer["value"] ?? .null, json: options.json)
            }
        }

        func buildOperations() throws(RuntimeError) -> [JSONValue] {
            var operations: [JSONValue] = []
            func op(_ name: String, _ field: String, _ extra: [String: JSONValue] = [:]) {
                operations.append(.object(["op": .string(name), "field": .string(field)].merging(extra) { $1 }))
            }
            for field in removedFields { op("remove_field", field) }
            for pair in removes { let (field, value) = try split(pair, "--remove"); op("remove", field, ["value": value]) }
            for field in disables { op("disable", field) }
            for pair in sets { let (field, value) = try split(pair, "--set"); op("set", field, ["value": value]) }
            for pair in adds { let (field, value) = try split(pair, "--add"); op("add", field, ["value": value]) }
            for field in enables { op("enable", field) }
            for pair in increments {
                let (field, value) = try split(pair, "--incr")
                guard case .integer = value else { throw RuntimeError("--incr \(pair): the amount must be an integer") }
                op("incr", field, ["by": value])
            }
            guard !operations.isEmpty else {
                throw RuntimeError("nothing to do: give at least one of --set, --add, --remove, --incr, --enable, --disable, --remove-field")
            }
            return operations
        }

        func split(_ pair: String, _ flag: String) throws(RuntimeError) -> (String, JSONValue) {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw RuntimeError("\(flag) \(pair): expected FIELD=VALUE")
            }
            let text = String(pair[pair.index(after: equals)...])
            let value: JSONValue
            switch try? JSONValue.parse(Array(text.utf8)) {
            case let parsed? where [.integer(0), .bool(true), .string("")].contains(where: { sameKind($0, parsed) }): value = parsed
            default: value = .string(text)
            }
            return (String(pair[..<equals]), value)
        }

        func sameKind(_ a: JSONValue, _ b: JSONValue) -> Bool {
            switch (a, b) {
            case (.integer, .integer), (.bool, .bool), (.string, .string): true
            default: false
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys holding a value, optionally under a prefix (a/b, or a/*/c).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key prefix.") var prefix: String = ""

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.GET, "/lashup/kv?prefix=\(URLText.query(prefix))")
                let keys = answer["keys"]?.arrayItems ?? []
                if options.json {
                    print(JSONValue.array(keys).text)
                } else {
                    for key in keys { print(key.cell) }
                    if answer["truncated"] == .bool(true) { FileHandle.standardError.write(Data("(more keys matched; narrow the prefix)\n".utf8)) }
                }
            }
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each change to keys matching a pattern (a/b, a/*/c) until interrupted.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key pattern; empty watches everything.") var pattern: String = ""

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let client = try options.client()
                // A live event stream; when it drops, reconnect from the last change seen, so
                // nothing is missed and nothing printed twice.
                var lastID: String?
                while true {
                    let events = try await client.events("/lashup/watch?pattern=\(URLText.query(pattern))", lastEventID: lastID)
                    do {
                        for try await event in events {
                            switch event.event {
                            case "reset":
                                FileHandle.standardError.write(Data("(changes were missed: the agent's change log wrapped; re-list with `lashup kv list`)\n".utf8))
                            case "change":
                                let change = (try? JSONValue.parse(Array(event.data.utf8))) ?? .null
                                let key = change["key"]?.cell ?? "?"
                                let value = change["value"] ?? .null
                                if options.json {
                                    print(JSONValue.object(["key": .string(key), "value": value]).text)
                                } else {
                                    print("\(key) \(value == .null ? "(deleted)" : value.text)")
                                }
                                fflush(nil)
                            case "error":
                                throw RuntimeError("the agent ended the watch: \(event.data)")
                            default:
                                break
                            }
                            if let id = event.id { lastID = id }
                        }
                    } catch let error as RuntimeError {
                        throw error
                    } catch {
                        FileHandle.standardError.write(Data("(the watch stream broke: \(error); reconnecting)\n".utf8))
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key as observed (concurrent updates elsewhere survive).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The key, as a/b/c.") var key: String

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.DELETE, URLText.keyPath(key))
                if options.json { print(answer.text) } else { print(answer["deleted"] == .bool(true) ? "deleted \(key)" : "\(key) had no value") }
            }
        }
    }
}

/// A value as a table of fields, or as its JSON object.
func printValue(_ value: JSONValue, json: Bool) {
    if json {
        print(value.text)
        return
    }
    guard case let .object(fields) = value else {
        print(value.text)
        return
    }
    printTable(["FIELD", "VALUE"], fields.keys.sorted().map { [$0, fields[$0]!.text] })
}
