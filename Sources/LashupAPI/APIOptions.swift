import ArgumentParser

/// The REST API's command-line flags (`lashup agent`); `APISettings` reads their values,
/// with the environment's and the config file's, through `ServiceSettings`.
public struct APIOptions: ParsableArguments {
    @Option(help: "REST API listener HOST:PORT (default: 127.0.0.1:62080).") var api: String?
    @Option(help: "Token every API request must carry (required when --api is not loopback).") var apiToken: String?

    public init() {}

    /// The flags given, by setting name.
    public var given: [String: String] {
        let flags: [String: String?] = ["api": api, "api_token": apiToken]
        return flags.compactMapValues { $0 }
    }
}
