import ArgumentParser

/// `lashup bench …`: programs that print figures. Run them from a release build.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures (use a release build: swift run -c release lashup bench …).",
        subcommands: [CRDTBenchCommand.self, StoreBenchCommand.self, MembershipBenchCommand.self, APIBenchCommand.self, AckWritesCommand.self, KernelBenchCommand.self, OverlayKernelBenchCommand.self, LBBenchCommand.self, ConnectBenchCommand.self]
    )
}

/// `lashup bench crdt`
struct CRDTBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crdt",
        abstract: "Measure OR-set adds and merges, map encoding and decoding, and delta sizes."
    )

    @Option(help: "Elements in the OR-sets measured.")
    var setSize: Int = 10_000

    @Option(help: "Fields in the map measured.")
    var mapFields: Int = 1_000

    @Option(help: "Minimum time spent on each figure, in milliseconds.")
    var minimumMilliseconds: Int = 500

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard setSize >= 1, setSize <= 5_000_000 else { throw ValidationError("--set-size must be in 1...5000000") }
        guard mapFields >= 1, mapFields <= 1_000_000 else { throw ValidationError("--map-fields must be in 1...1000000") }
        guard minimumMilliseconds >= 1 else { throw ValidationError("--minimum-milliseconds must be at least 1") }
    }

    func run() throws {
        let benchmark = CRDTBenchmark(
            setSize: setSize,
            mapFields: mapFields,
            minimumDuration: .milliseconds(minimumMilliseconds)
        )
        let figures = try benchmark.run()
        print(json ? figures.json : figures.table)
    }
}
