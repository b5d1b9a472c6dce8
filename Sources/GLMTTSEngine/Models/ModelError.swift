/// Something is wrong with an installed model or an import.
public enum ModelError: GLMTTSError, Equatable {
    /// No manifest with this id in the models directory.
    case notFound(id: String, available: [String])
    /// A manifest exists but is unreadable or inconsistent.
    case invalidManifest(path: String, reason: String)
    /// A file the manifest names is missing.
    case missingFile(model: String, file: String)
    /// The native engine refused to load the model.
    case loadFailed(model: String, reason: String)
    /// An import source is not what it claims (not an ONNX file, bad Piper config…).
    case invalidImport(String)
    /// The model id is not a safe identifier.
    case invalidID(String)
    /// Writing into the models directory failed (permissions, disk full…).
    case writeFailed(path: String, reason: String)

    public var code: String {
        switch self {
        case .notFound: return ProblemCode.modelNotFound
        case .invalidManifest: return ProblemCode.modelInvalidManifest
        case .missingFile: return ProblemCode.modelMissingFile
        case .loadFailed: return ProblemCode.modelLoadFailed
        case .invalidImport: return ProblemCode.modelInvalidImport
        case .invalidID: return ProblemCode.modelInvalidId
        case .writeFailed: return ProblemCode.modelWriteFailed
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .notFound: return .notFound
        case .invalidImport, .invalidID: return .invalidInput
        case .invalidManifest, .missingFile, .loadFailed: return .unavailable
        case .writeFailed: return .internalFailure
        }
    }

    public var message: String {
        switch self {
        case let .notFound(id, available):
            let list = available.isEmpty ? "none are installed; run scripts/prepare-models" : available.joined(separator: ", ")
            return "No model '\(id)' is installed (available: \(list)). See `glmtts models list`."
        case let .invalidManifest(path, reason):
            return "The model manifest \(path) is invalid: \(reason). Re-import the model."
        case let .missingFile(model, file):
            return "Model '\(model)' is missing its file '\(file)'. Re-import or re-install the model."
        case let .loadFailed(model, reason):
            return "Model '\(model)' could not be loaded: \(reason)."
        case let .invalidImport(reason):
            return reason
        case let .invalidID(id):
            return "'\(id)' is not a valid model id: use letters, digits, '.', '_' and '-' (at most 100)."
        case let .writeFailed(path, reason):
            return "Could not write \(path): \(reason). Check that the models directory is writable and has free space."
        }
    }
}
