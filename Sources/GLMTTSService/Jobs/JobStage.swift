import GLMTTSEngine

/// Where a job is in its life, as progress events and the job record name it (the API's
/// `JobStage`).
public enum JobStage: String, Sendable, Codable, CaseIterable {
    /// Waiting for a slot.
    case queued
    /// Checking and splitting the text (a started attempt begins here).
    case preparingText = "preparing_text"
    /// Loading the engine.
    case loadingModel = "loading_model"
    /// Decoding and trimming the reference clip.
    case preparingReference = "preparing_reference"
    /// Transcribing (the reference clip, or a transcription job's audio).
    case transcribing
    /// Generating speech.
    case synthesizing
    /// Encoding the result.
    case encoding
    /// Finished.
    case done

    /// The job stage of a synthesis pipeline stage.
    public init(_ stage: SynthesisProgress.Stage) {
        switch stage {
        case .loadingModel: self = .loadingModel
        case .preparingText: self = .preparingText
        case .preparingReference: self = .preparingReference
        case .transcribing: self = .transcribing
        case .synthesizing: self = .synthesizing
        case .encoding: self = .encoding
        case .done: self = .done
        }
    }
}
