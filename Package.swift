// swift-tools-version:6.0
import PackageDescription

/// sherpa-onnx ships as a PyPI wheel; `scripts/bootstrap` unpacks its libraries and
/// header into the ignored `vendor/sherpa-onnx`. The linker finds them there, and the
/// binaries carry an rpath to the same folder.
let sherpaLibDir = Context.packageDirectory + "/vendor/sherpa-onnx/lib"

let package = Package(
    name: "GLMTTS",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "GLMTTSEngine", targets: ["GLMTTSEngine"]),
        .library(name: "GLMTTSService", targets: ["GLMTTSService"]),
        .executable(name: "glmtts", targets: ["glmtts"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(name: "CSherpaOnnx", path: "Sources/CSherpaOnnx"),
        .systemLibrary(name: "CEspeakNG", path: "Sources/CEspeakNG"),
        .systemLibrary(name: "CSndFile", path: "Sources/CSndFile"),
        .systemLibrary(name: "CSoxr", path: "Sources/CSoxr"),
        // The engine layer: audio, text, reference clips, recognition, engines, workers,
        // models and the synthesis pipeline. No jobs, no HTTP.
        .target(
            name: "GLMTTSEngine",
            dependencies: ["CSherpaOnnx", "CEspeakNG", "CSndFile", "CSoxr", .product(name: "Crypto", package: "swift-crypto")],
            linkerSettings: [
                .unsafeFlags(["-L\(sherpaLibDir)", "-Xlinker", "-rpath", "-Xlinker", sherpaLibDir])
            ]
        ),
        // The service layer: durable jobs and their scheduler, saved voices, API keys, and
        // the stores behind them (SQLite or PostgreSQL; files on disk or in an S3-compatible bucket).
        .target(
            name: "GLMTTSService",
            dependencies: [
                "GLMTTSEngine", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Getting published models: the catalogue (catalogue/models.json), resumable verified
        // downloads, hostile-archive unpacking and atomic installs into the models directory.
        .target(
            name: "GLMTTSModelPull",
            dependencies: [
                "GLMTTSEngine", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `glmtts bench`'s measurements, kept out of the shipped libraries.
        .target(name: "GLMTTSBenchmark", dependencies: ["GLMTTSEngine"]),
        // The HTTP contract, generated from openapi/openapi.yaml by scripts/generate-openapi.
        .target(
            name: "GLMTTSAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            exclude: ["openapi.sha256"],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")]
        ),
        // The HTTP server: handlers of the contract, middleware, web UI and docs routes.
        .target(
            name: "GLMTTSServer",
            dependencies: [
                "GLMTTSEngine",
                "GLMTTSService",
                "GLMTTSModelPull",
                "GLMTTSAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")]
        ),
        .executableTarget(
            name: "glmtts",
            dependencies: [
                "GLMTTSEngine",
                "GLMTTSService",
                "GLMTTSBenchmark",
                "GLMTTSModelPull",
                "GLMTTSServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers shared by the test targets: test models and fixtures, the offline
        // transcriber, word error rate, deterministic noise.
        .target(name: "GLMTTSTestSupport", dependencies: ["GLMTTSEngine"], path: "Tests/GLMTTSTestSupport"),
        .testTarget(
            name: "GLMTTSEngineTests",
            dependencies: ["GLMTTSEngine", "GLMTTSTestSupport"]
        ),
        .testTarget(
            name: "GLMTTSServiceTests",
            dependencies: ["GLMTTSService", "GLMTTSTestSupport"]
        ),
        .testTarget(
            name: "GLMTTSServerTests",
            dependencies: [
                "GLMTTSServer",
                "GLMTTSTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GLMTTSModelPullTests",
            dependencies: ["GLMTTSModelPull", "GLMTTSTestSupport"]
        ),
        .testTarget(
            name: "GLMTTSCLITests",
            dependencies: ["GLMTTSEngine", "GLMTTSTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (libFuzzer), declared only for `scripts/fuzz`, which sets GLMTTS_FUZZ=1 and
// builds them with `-sanitize=fuzzer` into `.build-fuzz`; the ordinary build never sees them.
if Context.environment["GLMTTS_FUZZ"] == "1" {
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .executableTarget(name: "FuzzAudio", dependencies: ["CLibFuzzer", "GLMTTSEngine"]),
        .executableTarget(name: "FuzzForm", dependencies: ["CLibFuzzer", "GLMTTSServer"]),
    ]
}
