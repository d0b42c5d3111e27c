// swift-tools-version: 6.2
import PackageDescription

// libFuzzer targets for every Lashup decoder. A separate package so the main package's build
// and CI never see the sanitizer flags. Build and run them with `scripts/fuzz`, which passes
// `-sanitize=fuzzer,address -parse-as-library`: each target defines
// `LLVMFuzzerTestOneInput` and libFuzzer provides `main`.
let package = Package(
    name: "LashupFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Lashup", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "FuzzFrame",
            dependencies: [
                .product(name: "LashupWire", package: "Lashup"),
                .product(name: "LashupMembership", package: "Lashup"),
                .product(name: "LashupGossip", package: "Lashup"),
                .product(name: "LashupStore", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
                .product(name: "LashupNode", package: "Lashup"),
                .product(name: "LashupRuntime", package: "Lashup"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzMessages",
            dependencies: [
                .product(name: "LashupWire", package: "Lashup"),
                .product(name: "LashupMembership", package: "Lashup"),
                .product(name: "LashupGossip", package: "Lashup"),
                .product(name: "LashupStore", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
                .product(name: "LashupRuntime", package: "Lashup"),
            ]
        ),
        .executableTarget(
            name: "FuzzCRDT",
            dependencies: [
                .product(name: "LashupWire", package: "Lashup"),
                .product(name: "LashupCRDT", package: "Lashup"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
