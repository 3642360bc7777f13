// swift-tools-version: 6.1
import PackageDescription

/// hedgeops's benchmarks, apart from the product so its build never needs
/// the harness: `swift package benchmark` here (or `make bench` at the top).
let package = Package(
    name: "hedgeops-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "hedgeops", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The generated executor log both tools scan.
        .target(name: "BenchSupport", dependencies: [.product(name: "HedgeOpsKit", package: "hedgeops")]),
        // The log follower on its own, for compare.sh (MB/s against grep, following cost).
        .executableTarget(
            name: "hedgeops-logscan",
            dependencies: ["BenchSupport", .product(name: "HedgeOpsKit", package: "hedgeops")]
        ),
        .executableTarget(
            name: "HedgeOpsBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HedgeOpsKit", package: "hedgeops"),
            ],
            path: "Benchmarks/HedgeOpsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
