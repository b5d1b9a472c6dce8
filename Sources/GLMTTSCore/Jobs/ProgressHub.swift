import Foundation

/// Fans a job's events out to any number of subscribers, after persisting them.
///
/// A subscriber first receives the job's whole history, then live events, in sequence
/// order, without gaps or repeats, and its stream ends after the final event (completed,
/// failed, cancelled). Histories of running jobs are kept in memory; finished ones are
/// read back from the store, so a subscriber that arrives after the end — even after a
/// restart — still gets everything.
///
/// Audio chunks (for streaming responses) are live only: `listenForAudio` must be called
/// before the job starts.
public actor ProgressHub {
    private let store: any JobStore
    private let log: @Sendable (String) -> Void
    private var history: [JobID: [JobEvent]] = [:]
    private var subscribers: [JobID: [UUID: AsyncStream<JobEvent>.Continuation]] = [:]
    private var audioListeners: [JobID: [UUID: AsyncStream<AudioBuffer>.Continuation]] = [:]

    /// A hub persisting into `store`; `log` receives persistence failures.
    public init(store: any JobStore, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.log = log
    }

    /// Number the event (next in its job), deliver it to subscribers and persist it.
    @discardableResult
    public func publish(_ event: JobEvent) async -> JobEvent {
        let id = event.jobID
        if history[id] == nil {
            let stored = (try? await store.events(for: id)) ?? []
            if history[id] == nil { history[id] = stored }
        }
        var event = event
        event.sequence = (history[id]?.last?.sequence ?? 0) + 1
        history[id, default: []].append(event)
        for continuation in subscribers[id]?.values ?? [:].values {
            continuation.yield(event)
        }
        if event.kind.isFinal {
            for continuation in subscribers.removeValue(forKey: id)?.values ?? [:].values { continuation.finish() }
            for continuation in audioListeners.removeValue(forKey: id)?.values ?? [:].values { continuation.finish() }
            history[id] = nil
        }
        do {
            try await store.appendEvent(event)
        } catch {
            log("could not persist event \(event.sequence) of job \(id): \(error)")
        }
        return event
    }

    /// The job's events: history first, then live ones; ends after the final event, or
    /// right after the history when `jobIsFinal` (the job ended without a final event on record).
    public func subscribe(to id: JobID, jobIsFinal: Bool) async throws -> AsyncStream<JobEvent> {
        var past = history[id]
        if past == nil {
            past = try await store.events(for: id)
            if let live = history[id] { past = live } // events were published while we read
        }
        let events = past ?? []
        let (stream, continuation) = AsyncStream.makeStream(of: JobEvent.self, bufferingPolicy: .unbounded)
        for event in events { continuation.yield(event) }
        if jobIsFinal || events.last?.kind.isFinal == true {
            continuation.finish()
            return stream
        }
        if history[id] == nil { history[id] = events }
        let token = UUID()
        subscribers[id, default: [:]][token] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id, token) }
        }
        return stream
    }

    /// Live audio chunks of a job, in order; ends with the job's final event.
    public func listenForAudio(to id: JobID) -> AsyncStream<AudioBuffer> {
        let (stream, continuation) = AsyncStream.makeStream(of: AudioBuffer.self, bufferingPolicy: .unbounded)
        let token = UUID()
        audioListeners[id, default: [:]][token] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.stopListening(id, token) }
        }
        return stream
    }

    /// Delivers a chunk of a job's audio to its listeners.
    public func publishAudio(_ chunk: AudioBuffer, of id: JobID) {
        for continuation in audioListeners[id]?.values ?? [:].values { continuation.yield(chunk) }
    }

    /// Whether anyone listens for the job's audio.
    public func hasAudioListeners(_ id: JobID) -> Bool { !(audioListeners[id]?.isEmpty ?? true) }

    /// Jobs that have at least one event subscriber.
    public func subscribedJobIDs() -> [JobID] { Array(subscribers.keys) }

    /// Publishes a `queued` event only when its position differs from the last one published.
    public func publishQueuePositionIfChanged(_ event: JobEvent) async {
        let last = history[event.jobID]?.last(where: { $0.queuePosition != nil })?.queuePosition
        guard last != event.queuePosition else { return }
        await publish(event)
    }

    /// Number of open event subscriptions (for metrics and tests).
    public func subscriberCount() -> Int { subscribers.values.reduce(0) { $0 + $1.count } }

    private func unsubscribe(_ id: JobID, _ token: UUID) {
        subscribers[id]?[token] = nil
        if subscribers[id]?.isEmpty == true { subscribers[id] = nil }
    }

    private func stopListening(_ id: JobID, _ token: UUID) {
        audioListeners[id]?[token] = nil
        if audioListeners[id]?.isEmpty == true { audioListeners[id] = nil }
    }
}
