// swift-tools-version: 6.2
import PackageDescription

// libFuzzer targets for every Lashup decoder. A separate package so the main package's build
// and CI never see the sanitizer flags. Build and run them with `scripts/fuzz`, which passes
// `-sanitize=fuzzer,address -parse-as-library`: each target is one file defining
// `LLVMFuzzerTestOneInput`, and its entry point runs libFuzzer's driver (see the files).
/// `@_extern(c)` declares libFuzzer's `LLVMFuzzerRunDriver` (see the entry point in each target).
let fuzzSettings: [SwiftSetting] = [.enableExperimentalFeature("Extern")]

let package = Package(
    name: "LashupFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Lashup", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "LashupWire", package: "Lashup")],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzFrame",
            dependencies: [
                "FuzzSupport",
                .product(name: "LashupWire", package: "Lashup"),
                .product(name: "LashupMembership", package: "Lashup"),
                .product(name: "LashupGossip", package: "Lashup"),
                .product(name: "LashupStore", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
                .product(name: "LashupNode", package: "Lashup"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzMessages",
            dependencies: [
                "FuzzSupport",
                .product(name: "LashupNode", package: "Lashup"),
                .product(name: "LashupWire", package: "Lashup"),
                .product(name: "LashupMembership", package: "Lashup"),
                .product(name: "LashupGossip", package: "Lashup"),
                .product(name: "LashupStore", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
            ],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzCRDT",
            dependencies: [
                "FuzzSupport",
                .product(name: "LashupWire", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
            ],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzDNS",
            dependencies: [
                "FuzzSupport",
                .product(name: "LashupDNS", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
            ],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzNetlink",
            dependencies: [
                "FuzzSupport",
                .product(name: "LashupNetlink", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
            ],
            swiftSettings: fuzzSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
