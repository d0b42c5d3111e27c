import ServiceLifecycle

/// A service of the agent's group under its name, so a failure says which service failed
/// (the group itself reports only the error).
struct NamedService: Service {
    let name: String
    let service: any Service

    func run() async throws {
        do {
            try await service.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServiceFailure(service: name, error: error)
        }
    }
}

/// A service of the group stopped with an error.
struct ServiceFailure: Error, CustomStringConvertible {
    let service: String
    let error: any Error

    var description: String { "the \(service) service failed: \(error)" }
}
