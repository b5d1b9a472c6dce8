import Foundation

/// What `PiperVoiceImporter.importVoice` did.
public struct PiperImportResult: Sendable, Equatable {
    /// The kind of change made to the models directory.
    public enum Outcome: String, Sendable, Equatable {
        /// A new model folder was created.
        case imported
        /// An existing model folder with the same id was replaced (`overwrite: true`).
        case replaced
        /// The same source was imported before by this importer version; nothing was written.
        case alreadyImported
    }

    /// The kind of change.
    public var outcome: Outcome
    /// The installed model, as `ModelStore.model(id:)` reads it now.
    public var model: InstalledModel
    /// Number of lines in the model's `tokens.txt`.
    public var tokenCount: Int
    /// `phoneme_id_map` symbols left out of `tokens.txt` because sherpa-onnx cannot read
    /// them (newline, tab, multi-code-point symbols), in printable form.
    public var skippedSymbols: [String]

    /// Creates a result.
    public init(outcome: Outcome, model: InstalledModel, tokenCount: Int, skippedSymbols: [String]) {
        self.outcome = outcome
        self.model = model
        self.tokenCount = tokenCount
        self.skippedSymbols = skippedSymbols
    }
}
