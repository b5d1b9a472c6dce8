import Foundation
import GLMTTSModelPull
import GLMTTSService

/// One pull run by the admin API: what was asked, where it is, and how it ended.
struct ModelPullRecord: Sendable {
    /// How a pull stands.
    enum State: String, Sendable {
        case running, succeeded, failed, cancelled
    }

    /// Unguessable id (128 random bits, hex).
    let id: String
    /// The entries and packs asked for.
    let models: [String]
    /// Whether installed models are replaced.
    let force: Bool
    /// When it was asked for.
    let createdAt: Date
    /// Where it stands.
    var state = State.running
    /// When it ended.
    var finishedAt: Date?
    /// The latest progress.
    var progress: PullProgress?
    /// What it did (installed, skipped, bytes).
    var report = PullReport()
    /// Why it failed.
    var problem: JobProblem?

    /// Whether it has ended.
    var isFinished: Bool { state != .running }
}
