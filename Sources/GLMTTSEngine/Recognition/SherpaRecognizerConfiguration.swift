import Foundation

/// A checked recognizer manifest: every file role resolved to an existing regular file
/// inside the model folder, and the options parsed.
public struct SherpaRecognizerConfiguration: Sendable, Equatable {
    /// Manifest id (used in errors).
    public let modelID: String
    /// Model family.
    public let family: SherpaRecognizerFamily
    /// Role → absolute file location, for every required role.
    public let files: [String: URL]
    /// ONNX Runtime threads (option `numThreads`, 1…64).
    public let numThreads: Int
    /// ONNX Runtime execution provider (option `provider`, default `cpu`).
    public let provider: String
    /// Language hint given to sherpa-onnx (option `language`); empty means detect.
    /// Whisper: a code from the model's own language list (checked in the pre-flight);
    /// SenseVoice: one of `SherpaRecognizerFamily.senseVoiceLanguages` (`auto` → empty).
    /// Moonshine has none.
    public let language: String
    /// SenseVoice inverse text normalisation and punctuation (option `useITN`, default true).
    public let useITN: Bool
    /// Languages the manifest declares.
    public let languages: [String]

    /// Checks `model` and resolves its files and options.
    ///
    /// Throws `ModelError.invalidManifest` for an engine that is not a sherpa-onnx
    /// recognizer, a file name escaping the folder, a file that is not a regular file,
    /// or an option that does not parse; `ModelError.missingFile` naming the first
    /// role the manifest lacks or the first file absent on disk.
    public init(model: InstalledModel, defaultThreads: Int = SherpaOfflineRecognizer.defaultThreads) throws {
        let manifest = model.manifest
        guard let family = SherpaRecognizerFamily(engine: manifest.engine) else {
            throw ModelError.invalidManifest(
                path: manifest.id,
                reason:
                    "engine '\(manifest.engine.rawValue)' is not a sherpa-onnx recognizer (expected sherpa-whisper, sense-voice or moonshine)"
            )
        }
        modelID = manifest.id
        self.family = family
        files = try Self.resolveFiles(of: model, family: family)
        languages = manifest.languages
        let options = OptionReader(modelID: manifest.id, options: manifest.options)
        numThreads = try options.threads(default: defaultThreads)
        provider = try options.provider()
        language = try options.language(for: family)
        useITN = try options.useITN()
    }

    /// Every role `family` requires, resolved to an existing regular file in the model folder.
    private static func resolveFiles(of model: InstalledModel, family: SherpaRecognizerFamily) throws -> [String: URL] {
        var files: [String: URL] = [:]
        for role in family.requiredFileRoles {
            let url = try model.fileURL(role)
            let values = try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey])
            guard values?.isRegularFile == true else {
                throw ModelError.invalidManifest(
                    path: model.manifest.id, reason: "its \(role) '\(model.manifest.files[role] ?? "")' is not a regular file")
            }
            files[role] = url
        }
        return files
    }

    /// Parses the manifest options a recognizer reads; each refusal names the option.
    private struct OptionReader {
        let modelID: String
        let options: [String: String]

        func fail(_ key: String, _ value: String, _ expectation: String) -> ModelError {
            .invalidManifest(path: modelID, reason: "option \(key) = '\(value)' \(expectation)")
        }

        func threads(default fallback: Int) throws -> Int {
            guard let raw = options["numThreads"] else { return min(max(fallback, 1), 64) }
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), (1...64).contains(value) else {
                throw fail("numThreads", raw, "must be a whole number from 1 to 64")
            }
            return value
        }

        func provider() throws -> String {
            guard let raw = options["provider"] else { return "cpu" }
            let value = raw.trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw fail("provider", raw, "must not be empty") }
            return value
        }

        func language(for family: SherpaRecognizerFamily) throws -> String {
            let raw = options["language"] ?? ""
            let language = raw.trimmingCharacters(in: .whitespaces).lowercased()
            switch family {
            case .whisper:
                guard language.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_" || $0 == "-") }) else {
                    throw fail("language", raw, "must be a Whisper language code such as en, de or zh")
                }
            case .senseVoice:
                guard language.isEmpty || SherpaRecognizerFamily.senseVoiceLanguages.contains(language) else {
                    throw fail("language", raw, "must be one of \(SherpaRecognizerFamily.senseVoiceLanguages.joined(separator: ", "))")
                }
            case .moonshine:
                return ""
            }
            return language == "auto" ? "" : language
        }

        func useITN() throws -> Bool {
            guard let raw = options["useITN"] else { return true }
            switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw fail("useITN", raw, "must be true or false")
            }
        }
    }

    /// The absolute location of `role` (a role this configuration resolved).
    public func file(_ role: String) throws -> URL {
        guard let url = files[role] else { throw ModelError.missingFile(model: modelID, file: role) }
        return url
    }
}
