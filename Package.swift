// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Keel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "keel", targets: ["keel"]),
        // For the fuzzers in fuzz/, which build these alone, without the server's dependencies.
        .library(name: "KeelCore", targets: ["KeelCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "KeelCore",
            dependencies: [
                .product(name: "Yams", package: "Yams")
            ]
        ),
        .target(name: "KeelGuardrails", dependencies: ["KeelCore"]),
        .target(
            name: "KeelProviders",
            dependencies: [
                "KeelCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KeelStore",
            dependencies: [
                "KeelCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "KeelPrompts",
            dependencies: [
                "KeelCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KeelEvals",
            dependencies: [
                "KeelCore",
                "KeelGuardrails",
                "KeelPrompts",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KeelMonitor",
            dependencies: ["KeelCore", "KeelGuardrails", "KeelStore"]
        ),
        .target(
            name: "KeelGateway",
            dependencies: [
                "KeelCore",
                "KeelGuardrails",
                "KeelPrompts",
                "KeelProviders",
                "KeelStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Tokens/cl100k_base.tiktoken")]
        ),
        .target(
            name: "KeelServer",
            dependencies: [
                "KeelCore",
                "KeelEvals",
                "KeelMonitor",
                "KeelPrompts",
                "KeelGuardrails",
                "KeelProviders",
                "KeelGateway",
                "KeelStore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("OpenAPI/openapi.json")]
        ),
        .executableTarget(
            name: "keel",
            dependencies: [
                "KeelCore",
                "KeelEvals",
                "KeelMonitor",
                "KeelGuardrails",
                "KeelPrompts",
                "KeelServer",
                "KeelStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "keel-store-bench",
            dependencies: ["KeelStore", "KeelCore"],
            path: "bench/store"
        ),
        .executableTarget(
            name: "keel-nio-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/nio-floor"
        ),
        .target(name: "KeelAllocationCounter", path: "bench/allocation-counter"),
        .executableTarget(
            name: "keel-pipeline-bench",
            dependencies: [
                "KeelAllocationCounter", "KeelCore", "KeelGateway", "KeelPrompts", "KeelProviders", "KeelStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "bench/pipeline"
        ),
        .executableTarget(
            name: "keel-guard-bench",
            dependencies: ["KeelGuardrails", "KeelCore"],
            path: "bench/guardrails"
        ),
        .testTarget(name: "KeelCoreTests", dependencies: ["KeelCore"]),
        .testTarget(name: "KeelPromptsTests", dependencies: ["KeelPrompts", "KeelCore", "KeelTestSupport"]),
        .testTarget(name: "KeelEvalsTests", dependencies: ["KeelEvals", "KeelCore"]),
        .testTarget(name: "KeelMonitorTests", dependencies: ["KeelMonitor", "KeelStore", "KeelCore", "KeelTestSupport"]),
        .testTarget(name: "KeelGuardrailsTests", dependencies: ["KeelGuardrails", "KeelCore"], exclude: ["Corpus"]),
        .testTarget(
            name: "KeelProvidersTests",
            dependencies: [
                "KeelProviders", "KeelCore", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // What tests of several modules share: a PostgreSQL server started for the test process.
        .target(name: "KeelTestSupport", path: "Tests/KeelTestSupport"),
        .testTarget(
            name: "KeelStoreTests",
            dependencies: [
                "KeelStore", "KeelCore", "KeelTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "KeelGatewayTests",
            dependencies: [
                "KeelGateway", "KeelProviders", "KeelStore", "KeelCore", "KeelTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "KeelServerTests",
            dependencies: [
                "KeelServer", "KeelEvals", "KeelMonitor", "KeelGateway", "KeelPrompts", "KeelProviders", "KeelStore", "KeelCore", "KeelTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
