import ArgumentParser

/// `lashup sim …`: deterministic simulations of the protocol cores at scale.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a deterministic simulation (use a release build for large clusters).",
        subcommands: [SimMembershipCommand.self, SimGossipCommand.self, SimKVCommand.self]
    )
}
