// swift-tools-version: 6.1
import PackageDescription

/// Strict settings for every target of ours.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "hedgeops",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hedgeops", targets: ["hedgeops"]),
        .executable(name: "hedge-sim", targets: ["hedge-sim"]),
        .library(name: "HedgeOpsKit", targets: ["HedgeOpsKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        // WebSocket server (hedge-sim exchange) and client (the pre-flight's WebSocket check).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libedit, for the REPL's line editing (apt: libedit-dev).
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // libcurl, for every HTTP call (apt: libcurl4-openssl-dev); the shim
        // header wraps the variadic curl_easy_setopt, which Swift cannot call.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // posix_spawn's chdir action, which Swift cannot see in glibc's headers.
        .target(name: "CSpawnShim"),
        .target(
            name: "HedgeOpsKit",
            dependencies: [
                "CSpawnShim",
                "CCurl",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // What both executables share on the command line (it needs ArgumentParser; the core does not).
        .target(
            name: "HedgeOpsCLI",
            dependencies: [
                "HedgeOpsKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "hedgeops",
            dependencies: [
                "HedgeOpsKit",
                "HedgeOpsCLI",
                "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // The embedded default: a simulated executor and a mock TESTNET API.
        .executableTarget(
            name: "hedge-sim",
            dependencies: [
                "HedgeOpsKit",
                "HedgeOpsCLI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HedgeOpsKitTests",
            dependencies: ["HedgeOpsKit", "CEditLine", "CCurl"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["hedgeops", "hedge-sim", "HedgeOpsKit"],
            // The load-test script and its small executor module, copied into each test's workspace.
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
