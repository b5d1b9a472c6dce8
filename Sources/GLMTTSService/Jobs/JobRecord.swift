import Foundation
import GLMTTSEngine

/// A job as the store keeps it.
public struct JobRecord: Sendable, Codable, Equatable {
    /// Unguessable id.
    public var id: JobID
    /// What the job does (text to speech, speech to text).
    public var payload: JobPayload
    /// Queue state.
    public var status: JobStatus
    /// The concurrency lane (device) the job needs a slot in, e.g. `cpu`.
    public var lane: JobLane
    /// Higher runs first; equal priorities run first in, first out.
    public var priority: Int
    /// Arrival order, assigned by the store on insert (FIFO within a priority).
    public var sequence: Int64
    /// How many times the job has been started.
    public var attempts: Int
    /// How many starts are allowed before a retryable failure becomes final.
    public var maxAttempts: Int
    /// When the job was accepted.
    public var createdAt: Date
    /// When the latest attempt started.
    public var startedAt: Date?
    /// When the job reached a final status.
    public var finishedAt: Date?
    /// Progress of the running attempt, 0…1.
    public var progress: Double
    /// Current stage name (see `JobEvent.stage`).
    public var stage: JobStage?
    /// The result, once completed.
    public var result: JobResult?
    /// Why it failed or was cancelled.
    public var problem: JobProblem?
    /// The batch this job belongs to, with its position in the batch.
    public var batchID: String?
    /// Position of the job's text in its batch.
    public var batchIndex: Int?
    /// Who created it (API key id; nil when keys are off).
    public var owner: String?
    /// The running attempt's fencing token, set by the claim (nil in a store with one node):
    /// changes the run makes carry it, and count only while it is current.
    public var leaseToken: Int64?

    /// A new queued job.
    public init(
        id: JobID = JobID(), payload: JobPayload, lane: JobLane, priority: Int = 0, maxAttempts: Int = 3,
        createdAt: Date = Date(), batchID: String? = nil, batchIndex: Int? = nil, owner: String? = nil
    ) {
        self.id = id
        self.payload = payload
        self.status = .queued
        self.lane = lane
        self.priority = priority
        self.sequence = 0
        self.attempts = 0
        self.maxAttempts = maxAttempts
        self.createdAt = createdAt
        self.progress = 0
        self.batchID = batchID
        self.batchIndex = batchIndex
        self.owner = owner
    }

    /// What the job does.
    public var kind: JobKind { payload.kind }
}
