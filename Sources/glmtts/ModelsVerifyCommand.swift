import ArgumentParser
import Foundation
import GLMTTSEngine
import GLMTTSModelPull
import GLMTTSServer

/// `glmtts models verify [ID…] [--json]`: re-hashes installed models against the SHA-256
/// their manifests recorded at install; exits 4 when a file changed or is missing.
struct ModelsVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Re-hash installed models against their manifests.",
        discussion: "Without ids, every installed model. Models not installed by `models pull` record no digests and are listed as such.")

    @Argument(help: "Installed model ids (default: all).")
    var ids: [String] = []

    @Flag(help: "Print JSON: [{id, checked, problems, hasDigests}].")
    var json = false

    mutating func run() async throws {
        let (ids, json) = (self.ids, self.json)
        try await runReportingErrors {
            let store = ModelStore(directory: try EngineSettings.load().dataDirectory.models)
            let models = ids.isEmpty ? store.scan().models : try ids.map { try store.model(id: $0) }
            let verifier = ModelVerifier(store: store)
            let results = try await BlockingExecutor(label: "models-verify").run { models.map { verifier.verify($0) } }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(results), as: UTF8.self))
            } else {
                for result in results {
                    if !result.hasDigests {
                        print("\(result.id): no digests recorded (not installed by `models pull`); not verified")
                    } else if result.passed {
                        print("\(result.id): ok (\(result.checked) file\(result.checked == 1 ? "" : "s"))")
                    } else {
                        for problem in result.problems { print("\(result.id): \(problem)") }
                    }
                }
            }
            if let failed = results.first(where: { !$0.passed }) {
                throw ModelPullError.verifyFailed(
                    id: failed.id, file: "\(failed.problems.count) file(s)", reason: "do not match the manifest")
            }
        }
    }
}
