import Foundation
import GLMTTSEngine

/// `glmtts models verify`: re-hashes the files of installed models against the SHA-256
/// their manifests recorded at install time.
public struct ModelVerifier: Sendable {
    /// The models directory.
    public let store: ModelStore

    public init(store: ModelStore) {
        self.store = store
    }

    /// Verifies `model`.
    public func verify(_ model: InstalledModel) -> ModelVerification {
        guard let digests = model.manifest.digests else {
            return ModelVerification(id: model.manifest.id, checked: 0, problems: [], hasDigests: false)
        }
        var problems: [String] = []
        for (path, expected) in digests.sorted(by: { $0.key < $1.key }) {
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                problems.append("\(path): the manifest names a file outside the model folder")
                continue
            }
            let url = model.directory.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                problems.append("\(path) is missing")
                continue
            }
            do {
                let actual = try FileDigester.sha256(of: url)
                if actual != expected { problems.append("\(path) has changed (SHA-256 \(actual.prefix(16))…, installed as \(expected.prefix(16))…)") }
            } catch {
                problems.append("\(path) cannot be read (\(error.localizedDescription))")
            }
        }
        return ModelVerification(id: model.manifest.id, checked: digests.count, problems: problems, hasDigests: true)
    }
}
