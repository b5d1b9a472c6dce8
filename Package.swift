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
        .library(name: "GLMTTSCore", targets: ["GLMTTSCore"]),
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
    ],
    targets: [
        .systemLibrary(name: "CSherpaOnnx", path: "Sources/CSherpaOnnx"),
        .systemLibrary(name: "CEspeakNG", path: "Sources/CEspeakNG"),
        .systemLibrary(name: "CSndFile", path: "Sources/CSndFile"),
        .systemLibrary(name: "CSoxr", path: "Sources/CSoxr"),
        .target(
            name: "GLMTTSCore",
            dependencies: [
                "CSherpaOnnx", "CEspeakNG", "CSndFile", "CSoxr",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            linkerSettings: [
                .unsafeFlags(["-L\(sherpaLibDir)", "-Xlinker", "-rpath", "-Xlinker", sherpaLibDir]),
            ]
        ),
        .target(
            name: "GLMTTSServer",
            dependencies: [
                "GLMTTSCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            exclude: ["Generated/openapi.sha256"],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")]
        ),
        .executableTarget(
            name: "glmtts",
            dependencies: [
                "GLMTTSCore",
                "GLMTTSServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GLMTTSCoreTests",
            dependencies: ["GLMTTSCore"]
        ),
        .testTarget(
            name: "GLMTTSServerTests",
            dependencies: [
                "GLMTTSServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GLMTTSCLITests",
            dependencies: ["GLMTTSCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (libFuzzer), declared only for `scripts/fuzz`, which sets GLMTTS_FUZZ=1 and
// builds them with `-sanitize=fuzzer` into `.build-fuzz`; the ordinary build never sees them.
if Context.environment["GLMTTS_FUZZ"] == "1" {
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .executableTarget(name: "FuzzAudio", dependencies: ["CLibFuzzer", "GLMTTSCore"]),
        .executableTarget(name: "FuzzForm", dependencies: ["CLibFuzzer", "GLMTTSServer"]),
    ]
}
