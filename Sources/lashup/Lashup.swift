import ArgumentParser
import LashupAPI

/// The `lashup` binary: the agent and every client subcommand.
@main
struct Lashup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lashup",
        abstract: "A decentralized control plane: membership, broadcast and a replicated CRDT store for a cluster of hosts.",
        version: LashupVersion.current,
        subcommands: [
            AgentCommand.self, MembersCommand.self, TreeCommand.self, KVCommand.self, DNSCommand.self, VIPCommand.self, OverlayCommand.self, ServiceCommand.self, TasksCommand.self, DebugCommand.self, TLSCommand.self,
            SimCommand.self, BenchCommand.self,
        ]
    )
}

/// The version this binary reports: the agent's, one constant for both.
enum LashupVersion {
    static let current = AgentRoutes.version
}
