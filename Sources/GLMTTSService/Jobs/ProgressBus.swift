import GLMTTSEngine

/// Where a job's progress goes and where clients follow it: numbered, persisted events with
/// their whole history for late subscribers, and live audio chunks for streaming
/// responses. `ProgressHub` is the bus: events are rows of the job store, numbered by it, so
/// nodes sharing a store (PostgreSQL) follow each other's jobs by reading them (`catchUp`,
/// which the scheduler calls when the store notifies it of a followed job's event, and at
/// every poll).
public protocol ProgressBus: Sendable {
    /// Persists the event (numbered next in its job) and delivers it to subscribers; with a
    /// `lease`, only while that run's lease is current. An event after the job's final one,
    /// or from a run that lost its lease, is dropped (returned unnumbered).
    @discardableResult
    func publish(_ event: JobEvent, lease: Int64?) async -> JobEvent
    /// Delivers events that other nodes stored to this node's subscribers, and ends the
    /// audio streams of jobs that ended elsewhere; false when the store could not be read.
    @discardableResult
    func catchUp() async -> Bool
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
    /// Whether the job has event subscribers or audio listeners here, so events that other
    /// nodes store for it matter to this node.
    func follows(_ id: JobID) async -> Bool
    /// Event subscribers over all jobs.
    func subscriberCount() async -> Int
    /// Audio listeners over all jobs.
    func audioListenerCount() async -> Int
    /// Subscribers and listeners cut off so far for falling behind.
    var cutOffCount: Int { get async }
}

extension ProgressBus {
    /// `publish` of an event no run's lease fences (a queued job's, a client's cancel).
    @discardableResult
    public func publish(_ event: JobEvent) async -> JobEvent {
        await publish(event, lease: nil)
    }
}

extension ProgressHub: ProgressBus {}
