// swift-tools-version: 6.2
import PackageDescription

/// Every target of ours is built in Swift 6 language mode (strict concurrency) and treats
/// warnings as errors, so "zero warnings" is enforced by the build rather than by review.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Lashup",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lashup", targets: ["lashup"]),
        .library(name: "LashupWire", targets: ["LashupWire"]),
        .library(name: "LashupCRDT", targets: ["LashupCRDT"]),
        .library(name: "LashupMembership", targets: ["LashupMembership"]),
        .library(name: "LashupGossip", targets: ["LashupGossip"]),
        .library(name: "LashupStore", targets: ["LashupStore"]),
        .library(name: "LashupCluster", targets: ["LashupCluster"]),
        .library(name: "LashupClusterTesting", targets: ["LashupClusterTesting"]),
        .library(name: "LashupNode", targets: ["LashupNode"]),
        .library(name: "LashupStorage", targets: ["LashupStorage"]),
        .library(name: "LashupSimulation", targets: ["LashupSimulation"]),
        .library(name: "LashupRuntime", targets: ["LashupRuntime"]),
        .library(name: "LashupAPI", targets: ["LashupAPI"]),
        .library(name: "LashupClient", targets: ["LashupClient"]),
        .library(name: "LashupDNS", targets: ["LashupDNS"]),
        .library(name: "LashupDNSServer", targets: ["LashupDNSServer"]),
        .library(name: "LashupNetlink", targets: ["LashupNetlink"]),
        .library(name: "LashupNFTables", targets: ["LashupNFTables"]),
        .library(name: "LashupLB", targets: ["LashupLB"]),
        .library(name: "LashupOverlay", targets: ["LashupOverlay"]),
        .library(name: "LashupTasks", targets: ["LashupTasks"]),
        .executable(name: "lashup-cni", targets: ["lashup-cni"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .target(
            name: "LashupWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "LashupCRDT",
            dependencies: ["LashupWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "LashupMembership",
            dependencies: ["LashupWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "LashupGossip",
            dependencies: ["LashupMembership", "LashupWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "LashupStore",
            dependencies: [
                "LashupCRDT", "LashupWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "LashupCluster",
            dependencies: ["LashupCRDT", "LashupStore"],
            swiftSettings: strict
        ),
        .target(
            name: "LashupNode",
            dependencies: ["LashupCluster", "LashupCRDT", "LashupGossip", "LashupMembership", "LashupStore", "LashupWire"],
            swiftSettings: strict
        ),
        .target(
            name: "LashupSimulation",
            dependencies: ["LashupCRDT", "LashupMembership", "LashupGossip", "LashupNode", "LashupStore"],
            swiftSettings: strict
        ),
        // The SQLite adapter: the node's durable writes and what a restart restores. Only the
        // runtime (and benchmarks, through it) link GRDB.
        .target(
            name: "LashupStorage",
            dependencies: [
                "LashupCRDT", "LashupGossip", "LashupMembership", "LashupNode", "LashupStore", "LashupWire", "LashupOverlay", "LashupCNIProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "LashupClusterTesting",
            dependencies: ["LashupCluster", "LashupCRDT", "LashupMembership", "LashupNode", "LashupSimulation", "LashupStore"],
            swiftSettings: strict
        ),
        .target(
            name: "LashupRuntime",
            dependencies: [
                "LashupCluster", "LashupCRDT", "LashupGossip", "LashupMembership", "LashupNode", "LashupStorage", "LashupStore", "LashupWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "LashupDNS",
            dependencies: ["LashupCRDT"],
            swiftSettings: strict
        ),
        // The netlink socket: opening it inside a network namespace (setns), sending, receiving.
        .target(name: "CLashupNetlink"),
        .target(
            name: "LashupNetlink",
            dependencies: [
                "CLashupNetlink", "LashupCRDT",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // nftables through `nft -f -` transactions and `nft -j` read-back.
        .target(name: "LashupNFTables", swiftSettings: strict),
        // The L4 load balancer: VIPs in the store, programmed into the kernel with nftables.
        .target(
            name: "LashupLB",
            dependencies: [
                "LashupCRDT", "LashupStore", "LashupCluster", "LashupDNS", "LashupNFTables", "LashupNetlink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // What the CNI plugin and its agent say to each other over the agent's unix socket.
        .target(name: "LashupCNIProtocol", swiftSettings: strict),
        // The VXLAN overlay: self-allocated subnets through the store, kernel state, CNI IPAM.
        .target(
            name: "LashupOverlay",
            dependencies: [
                "LashupCRDT", "LashupStore", "LashupCluster", "LashupNetlink", "LashupCNIProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Task sources (Mesos, a Docker-API runtime, registered services) and what they publish:
        // DNS records and VIP backends of the tasks this host runs.
        .target(
            name: "LashupTasks",
            dependencies: [
                "LashupCRDT", "LashupStore", "LashupCluster", "LashupDNS", "LashupDNSServer", "LashupLB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // recvmmsg/sendmmsg for the DNS UDP listeners (not exported by Swift's Glibc module).
        .target(name: "CLashupUDP"),
        .target(
            name: "LashupDNSServer",
            dependencies: [
                "LashupDNS", "LashupCluster", "LashupCRDT", "LashupStore", "CLashupUDP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "LashupAPI",
            dependencies: [
                "LashupCRDT", "LashupCluster", "LashupStore", "LashupDNS", "LashupDNSServer", "LashupLB", "LashupOverlay", "LashupTasks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The small HTTP client of the REST API that the CLI, the API benchmark and tests use.
        .target(
            name: "LashupClient",
            dependencies: [
                "LashupAPI", "LashupCluster", "LashupRuntime",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "lashup",
            dependencies: [
                "LashupWire",
                "LashupCRDT",
                "LashupCluster",
                "LashupMembership",
                "LashupSimulation",
                "LashupStorage",
                "LashupStore",
                "LashupGossip",
                "LashupNode",
                "LashupRuntime",
                "LashupAPI",
                "LashupClient",
                "LashupDNS",
                "LashupDNSServer",
                "LashupLB",
                "LashupOverlay",
                "LashupTasks",
                "LashupCNIProtocol",
                "LashupNetlink",
                "LashupNFTables",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // Helpers shared by test targets (not shipped in any product).
        .target(name: "LashupTestSupport", path: "Tests/LashupTestSupport", swiftSettings: strict),
        .testTarget(
            name: "LashupWireTests",
            dependencies: [
                "LashupTestSupport",
                "LashupWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupCRDTTests",
            dependencies: [
                "LashupTestSupport",
                "LashupCRDT",
                "LashupWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupMembershipTests",
            dependencies: [
                "LashupTestSupport",
                "LashupMembership",
                "LashupWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupGossipTests",
            dependencies: [
                "LashupTestSupport",
                "LashupGossip",
                "LashupMembership",
                "LashupWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupStoreTests",
            dependencies: [
                "LashupTestSupport",
                "LashupStore",
                "LashupCRDT",
                "LashupGossip",
                "LashupMembership",
                "LashupWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupClusterTests",
            dependencies: ["LashupCluster", "LashupStore", "LashupCRDT"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupStorageTests",
            dependencies: ["LashupStorage", "LashupStore", "LashupNode", "LashupCRDT", "LashupGossip", "LashupMembership"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupNodeTests",
            dependencies: [
                "LashupTestSupport",
                "LashupNode",
                "LashupStore",
                "LashupCRDT",
                "LashupGossip",
                "LashupMembership",
                "LashupSimulation",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupRuntimeTests",
            dependencies: [
                "LashupRuntime", "LashupNode", "LashupMembership", "LashupStore", "LashupWire", "LashupCluster", "LashupCRDT", "LashupStorage", "LashupTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupAPITests",
            dependencies: [
                "LashupAPI", "LashupClient", "LashupCluster", "LashupRuntime", "LashupStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupNetlinkTests",
            dependencies: ["LashupNetlink", "LashupNFTables", "CLashupNetlink", "LashupCRDT", "LashupTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupLBTests",
            dependencies: [
                "LashupLB", "LashupCRDT", "LashupStore", "LashupCluster", "LashupClusterTesting", "LashupDNS", "LashupMembership", "LashupNFTables", "LashupNetlink", "LashupTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupOverlayTests",
            dependencies: [
                "LashupOverlay", "LashupCRDT", "LashupStore", "LashupCluster", "LashupClusterTesting", "LashupNetlink", "LashupCNIProtocol", "LashupTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupTasksTests",
            dependencies: [
                "LashupTasks", "LashupLB", "LashupDNS", "LashupDNSServer", "LashupCRDT", "LashupStore", "LashupCluster", "LashupClusterTesting", "LashupTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupDNSTests",
            dependencies: [
                "LashupDNS", "LashupDNSServer", "LashupCRDT", "LashupCluster", "LashupClusterTesting", "LashupStore", "LashupTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "LashupStore", "LashupStorage", "LashupCRDT", "LashupDNS", "LashupDNSServer", "LashupTestSupport", "lashup", "lashup-cni",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupSimulationTests",
            dependencies: [
                "LashupTestSupport",
                "LashupSimulation",
                "LashupMembership",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        // The CNI plugin: asks the agent for an address over its unix socket and makes the
        // container's veth with rtnetlink. No NIO, no logging: it starts once per container.
        .target(
            name: "LashupCNIPlugin",
            dependencies: ["LashupCNIProtocol", "LashupNetlink", "LashupCRDT"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "lashup-cni",
            dependencies: ["LashupCNIPlugin"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LashupCNIPluginTests",
            dependencies: ["LashupCNIPlugin", "LashupCNIProtocol", "LashupNetlink", "LashupCRDT", "LashupTestSupport", "lashup-cni"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
