import GLMTTSEngine

/// Where a job's progress goes and where clients follow it: numbered, persisted events with
/// their whole history for late subscribers, and live audio chunks for streaming
/// responses. `ProgressHub` is the in-process bus; it is the seam for a bus shared by many
/// API nodes (events as rows plus a notification).
public protocol ProgressBus: Sendable {
    /// Numbers the event (next in its job), persists it and delivers it to subscribers; an
    /// event after the job's final one is dropped (returned unnumbered).
    @discardableResult
    func publish(_ event: JobEvent) async -> JobEvent
    /// Publishes a `queued` event only when its queue position differs from the last one.
    func publishQueuePositionIfChanged(_ event: JobEvent) async
    /// The job's history, then its live events, ending after the final event.
    func subscribe(to id: JobID, jobIsFinal: Bool) async throws -> AsyncStream<JobEvent>
    /// The job's audio chunks from now on (call before the job starts).
    func listenForAudio(to id: JobID) async -> AsyncStream<AudioBuffer>
    /// Delivers an audio chunk to the job's listeners.
    func publishAudio(_ chunk: AudioBuffer, of id: JobID) async
    /// Ends the job's audio streams.
    func stopListeningForAudio(to id: JobID) async
    /// Whether anyone listens for the job's audio.
    func hasAudioListeners(_ id: JobID) async -> Bool
    /// Jobs with event subscribers.
    func subscribedJobIDs() async -> [JobID]
    /// Event subscribers over all jobs.
    func subscriberCount() async -> Int
    /// Audio listeners over all jobs.
    func audioListenerCount() async -> Int
    /// Subscribers and listeners cut off so far for falling behind.
    var cutOffCount: Int { get async }
}

extension ProgressHub: ProgressBus {}
