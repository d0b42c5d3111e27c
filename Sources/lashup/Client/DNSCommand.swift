import ArgumentParser
import Foundation
import LashupAPI
import LashupDNS
import LashupDNSServer
import LashupRuntime

/// `lashup dns`: the records of the cluster's internal zones (`<x>.thisdcos.directory`),
/// kept in the replicated store under `dns/zones/<zone>` as a set of record lines, so records
/// added on different agents at the same time all survive.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Add, remove and list DNS records of the cluster's internal zones.",
        discussion: """
            Names must lie in an internal zone <x>.thisdcos.directory (for example \
            web.dcos.thisdcos.directory lies in dcos.thisdcos.directory). Types: A, AAAA, CNAME, \
            TXT, and SRV as PRIORITY WEIGHT PORT TARGET. Every agent serves the records within \
            about a second.
            """,
        subcommands: [Add.self, Remove.self, Records.self]
    )

    /// The record the arguments describe, and the store key of its zone.
    static func record(_ name: String, _ type: String, _ value: [String]) throws(RuntimeError) -> (ZoneRecord, String) {
        guard let recordType = RecordType(mnemonic: type), ZoneRecord.supportedTypes.contains(recordType) else {
            throw RuntimeError("type \(type): use one of \(ZoneRecord.supportedTypes.map(\.description).joined(separator: ", "))")
        }
        let record: ZoneRecord
        do {
            record = try ZoneRecord(name: name, type: recordType, data: value)
        } catch {
            throw RuntimeError("\(error)")
        }
        let suffix = ZoneTable.internalSuffix.labelCount + 1
        guard record.name.labelCount >= suffix, let apex = ZoneTable.storeApex(record.name.droppingFirst(record.name.labelCount - suffix).relativeDescription) else {
            throw RuntimeError("\(name) is not in an internal zone: names end in <x>.thisdcos.directory (not thisnode, which each agent makes up)")
        }
        return (record, DNSZoneKeys.path(zone: apex.relativeDescription))
    }

    static func change(_ op: String, _ name: String, _ type: String, _ value: [String], options: ClientOptions) async throws(RuntimeError) {
        let (record, key) = try record(name, type, value)
        let client = try options.client()
        if op == "remove" {
            let current = try? await client.json(.GET, URLText.keyPath(key))
            guard case let .array(lines)? = current?["value"]?[DNSZoneKeys.recordsFieldName], lines.contains(.string(record.description)) else {
                throw RuntimeError("no record \"\(record.description)\" to remove (see `lashup dns records`)")
            }
        }
        let operation = JSONValue.object(["op": .string(op), "field": .string(DNSZoneKeys.recordsFieldName), "value": .string(record.description)])
        let body = Array(JSONValue.object(["operations": .array([operation])]).text.utf8)
        _ = try await client.json(.POST, URLText.keyPath(key), body: body)
        if options.json {
            print(JSONValue.object([op == "add" ? "added" : "removed": .string(record.description), "key": .string(key)]).text)
        } else {
            print("\(op == "add" ? "added" : "removed") \(record.description)")
        }
    }

    /// The record `add` and `remove` take, and the agent to ask.
    struct RecordArguments: ParsableArguments {
        @OptionGroup var options: ClientOptions
        @Argument(help: "Owner name, e.g. web.dcos.thisdcos.directory.") var name: String
        @Argument(help: "A, AAAA, CNAME, SRV or TXT.") var type: String
        @Argument(help: "The data: an address, a name, or PRIORITY WEIGHT PORT TARGET for SRV.") var value: [String]

        func change(_ op: String) async throws {
            try await runClient { () throws(RuntimeError) in try await DNSCommand.change(op, name, type, value, options: options) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a record (returns once durable on the agent).")
        @OptionGroup var record: RecordArguments
        func run() async throws { try await record.change("add") }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a record (as this agent sees it).")
        @OptionGroup var record: RecordArguments
        func run() async throws { try await record.change("remove") }
    }

    struct Records: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the records this agent serves (local zones included).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.GET, "/v1/records")
                if options.json {
                    print(answer.text)
                    return
                }
                guard case let .array(rows) = answer else { throw RuntimeError("unexpected answer from /v1/records") }
                printTable(["NAME", "TYPE", "DATA"], rows.map { [$0["name"]?.cell ?? "-", $0["rtype"]?.cell ?? "-", $0["host"]?.cell ?? "-"] })
            }
        }
    }
}
