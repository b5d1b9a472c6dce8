import GLMTTSEngine

/// One step in a job's life, as progress subscribers (SSE) receive it. Every event is
/// persisted, so a late subscriber gets the whole history in order.
public struct JobEvent: Sendable, Codable, Equatable {
    /// Kinds of event.
    public enum Kind: String, Sendable, Codable {
        /// Accepted and waiting; carries the queue position.
        case queued
        /// An attempt started.
        case started
        /// The job moved to another stage.
        case stage
        /// Progress within a stage.
        case progress
        /// Failed for a reason that may pass; queued again for another attempt.
        case retrying
        /// Finished with a result.
        case completed
        /// Finished without a result; carries the problem.
        case failed
        /// Cancelled by a client.
        case cancelled

        /// Whether no event follows this one.
        public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    /// 1, 2, 3… per job.
    public var sequence: Int
    /// The job.
    public var jobID: JobID
    /// What happened.
    public var kind: Kind
    /// Seconds since the job was accepted.
    public var elapsedSeconds: Double
    /// Position in the queue (1 = next), for `queued`.
    public var queuePosition: Int?
    /// Stage name: queued, preparing_text, loading_model, preparing_reference,
    /// transcribing, synthesizing, encoding, done.
    public var stage: JobStage?
    /// Fraction of the job done, 0…1.
    public var fraction: Double?
    /// Sentence being worked on (1-based) and how many there are.
    public var sentence: Int?
    /// Number of sentences in the text.
    public var sentenceCount: Int?
    /// Plain-language detail.
    public var detail: String?
    /// The result, on `completed`.
    public var result: JobResult?
    /// The problem, on `failed`, `retrying` and `cancelled`.
    public var problem: JobProblem?

    public init(
        sequence: Int = 0, jobID: JobID, kind: Kind, elapsedSeconds: Double = 0, queuePosition: Int? = nil,
        stage: JobStage? = nil, fraction: Double? = nil, sentence: Int? = nil, sentenceCount: Int? = nil,
        detail: String? = nil, result: JobResult? = nil, problem: JobProblem? = nil
    ) {
        self.sequence = sequence
        self.jobID = jobID
        self.kind = kind
        self.elapsedSeconds = elapsedSeconds
        self.queuePosition = queuePosition
        self.stage = stage
        self.fraction = fraction
        self.sentence = sentence
        self.sentenceCount = sentenceCount
        self.detail = detail
        self.result = result
        self.problem = problem
    }
}

extension JobEvent {
    /// The first event of every job: it is queued, at `position` in its lane.
    public static func arrival(of id: JobID, position: Int?) -> JobEvent {
        JobEvent(jobID: id, kind: .queued, elapsedSeconds: 0, queuePosition: position, stage: .queued)
    }
}
