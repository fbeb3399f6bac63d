// swift-tools-version:6.1
import Foundation
import PackageDescription

// The libFuzzer targets: one executable per parser, each exporting LLVMFuzzerTestOneInput.
// Built by scripts/fuzz with `swift build --sanitize=fuzzer`; they need only KeelCore and
// swift-nio's HTTP/1 decoder, not the server, so the instrumented build stays small.

/// A path dependency is known by its folder's name, which is whatever the clone is called.
let keel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "KeelFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", .product(name: "KeelCore", package: keel)]),
        .executableTarget(name: "FuzzSSE", dependencies: ["FuzzSupport", .product(name: "KeelCore", package: keel)]),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport", .product(name: "KeelCore", package: keel)]),
        .executableTarget(name: "FuzzMultipart", dependencies: ["FuzzSupport", .product(name: "KeelCore", package: keel)]),
        .executableTarget(
            name: "FuzzHTTPHead",
            dependencies: [
                "FuzzSupport", .product(name: "KeelCore", package: keel),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
