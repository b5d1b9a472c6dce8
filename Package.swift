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
    ],
    targets: [
        .systemLibrary(name: "CSherpaOnnx", path: "Sources/CSherpaOnnx"),
        .systemLibrary(name: "CEspeakNG", path: "Sources/CEspeakNG"),
        .systemLibrary(name: "CSndFile", path: "Sources/CSndFile"),
        .systemLibrary(name: "CSoxr", path: "Sources/CSoxr"),
        .target(
            name: "GLMTTSCore",
            dependencies: ["CSherpaOnnx", "CEspeakNG", "CSndFile", "CSoxr"],
            linkerSettings: [
                .unsafeFlags(["-L\(sherpaLibDir)", "-Xlinker", "-rpath", "-Xlinker", sherpaLibDir]),
            ]
        ),
        .executableTarget(
            name: "glmtts",
            dependencies: [
                "GLMTTSCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "GLMTTSCoreTests",
            dependencies: ["GLMTTSCore"]
        ),
        .testTarget(
            name: "GLMTTSCLITests",
            dependencies: ["GLMTTSCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
