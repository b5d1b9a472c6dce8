// swift-tools-version:6.0
import PackageDescription

/// A tools-only package: `scripts/generate-openapi` runs the pinned swift-openapi-generator
/// from here, so the main package never builds the generator (its code is committed).
let package = Package(
    name: "OpenAPIGeneratorTool",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
    ]
)
