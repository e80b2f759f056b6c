// swift-tools-version: 6.1
import PackageDescription

/// Strict settings shared by every Desk target: Swift 6 mode, explicit `any`.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Desk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "desk", targets: ["desk"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], swiftSettings: strict),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "DeskEmbedding", dependencies: ["COpenBLAS"], swiftSettings: strict),
        .target(name: "CSpawn"),
        .target(name: "DeskModel", swiftSettings: strict),
        .target(
            name: "DeskProtocol",
            dependencies: ["DeskModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["desk.proto", "generate.sh"],
            swiftSettings: strict
        ),
        .target(
            name: "DeskStore",
            dependencies: [
                "DeskModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DeskAutomation",
            dependencies: [
                "DeskModel",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DeskCoordinator",
            dependencies: [
                "DeskModel", "DeskProtocol", "DeskStore", "DeskAutomation", "DeskAgent", "DeskEmbedding", "ZeroMQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DeskAgent",
            dependencies: [
                "DeskModel", "DeskProtocol", "DeskAutomation", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DeskLoadTest",
            dependencies: [
                "DeskModel", "DeskProtocol", "DeskStore", "DeskAutomation", "DeskAgent", "ZeroMQ", "CSpawn",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "desk",
            dependencies: [
                "DeskCoordinator", "DeskAgent", "DeskAutomation", "DeskEmbedding", "DeskLoadTest", "DeskModel", "DeskStore",
                "ZeroMQ", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"], swiftSettings: strict),
        .testTarget(name: "DeskModelTests", dependencies: ["DeskModel"], swiftSettings: strict),
        .testTarget(name: "DeskEmbeddingTests", dependencies: ["DeskEmbedding"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "DeskProtocolTests", dependencies: ["DeskProtocol"], swiftSettings: strict),
        .testTarget(name: "DeskLoadTestTests", dependencies: ["DeskLoadTest", "DeskModel", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strict),
        .testTarget(name: "DeskAutomationTests", dependencies: ["DeskAutomation", "DeskModel"], swiftSettings: strict),
        .testTarget(name: "DeskStoreTests", dependencies: ["DeskStore"], swiftSettings: strict),
        .testTarget(
            name: "DeskCoordinatorTests",
            dependencies: [
                "DeskCoordinator", "DeskEmbedding", "DeskModel", "DeskProtocol", "DeskStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "DeskAgentTests", dependencies: ["DeskAgent", "DeskModel", "DeskProtocol"], swiftSettings: strict),
        .testTarget(
            name: "DeskEndToEndTests",
            dependencies: [
                "DeskProtocol", "DeskModel", "ZeroMQ", "DeskStore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
