import ArgumentParser

/// The `lashup` binary: the agent and every client subcommand.
@main
struct Lashup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lashup",
        abstract: "A decentralized control plane: membership, broadcast and a replicated CRDT store for a cluster of hosts.",
        version: LashupVersion.current,
        subcommands: [SimCommand.self, BenchCommand.self]
    )
}

/// The version this binary reports.
enum LashupVersion {
    static let current = "0.1.0"
}
