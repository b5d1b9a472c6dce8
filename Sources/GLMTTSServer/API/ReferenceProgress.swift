import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService

/// A job event in the terms of the reference product's progress stream, whose clients read
/// `status`, `message` (or `step`) and `elapsed` from each event's JSON.
enum ReferenceProgress {
    /// The reference product's status for an event: `starting` until work begins,
    /// `processing` while it runs, then `completed` or `error` (failed or cancelled).
    static func status(of kind: JobEvent.Kind) -> Components.Schemas.ReferenceProgressStatus {
        switch kind {
        case .queued, .started: return .starting
        case .stage, .progress, .retrying: return .processing
        case .completed: return .completed
        case .failed, .cancelled: return .error
        }
    }

    /// What is happening, in words.
    static func message(of event: JobEvent) -> String {
        switch event.kind {
        case .queued:
            if let position = event.queuePosition { return position == 1 ? "Queued: next to start" : "Queued: position \(position)" }
            return "Queued"
        case .started:
            return "Started"
        case .stage:
            return stageMessage(event.stage) ?? event.detail ?? "Working"
        case .progress:
            if let sentence = event.sentence, let count = event.sentenceCount {
                return "Synthesising sentence \(sentence) of \(count)"
            }
            if let fraction = event.fraction { return "\(stageMessage(event.stage) ?? "Working"): \(Int((fraction * 100).rounded())) %" }
            return event.detail ?? "Working"
        case .retrying:
            return "Retrying" + (event.detail.map { ": \($0)" } ?? "")
        case .completed:
            return String(format: "Completed in %.1f s", max(0, event.elapsedSeconds))
        case .failed:
            return "Failed: " + (event.problem?.detail ?? event.detail ?? "no reason was recorded")
        case .cancelled:
            return "Cancelled"
        }
    }

    /// The words for a job stage.
    private static func stageMessage(_ stage: JobStage?) -> String? {
        switch stage {
        case .queued: return "Queued"
        case .preparingText: return "Preparing the text"
        case .loadingModel: return "Loading the model"
        case .preparingReference: return "Preparing the reference clip"
        case .transcribing: return "Transcribing the reference clip"
        case .synthesizing: return "Synthesising"
        case .encoding: return "Encoding the audio"
        case .done: return "Done"
        default: return nil
        }
    }
}
