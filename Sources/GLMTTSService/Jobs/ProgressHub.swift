import Foundation
import GLMTTSEngine

/// Fans a job's events out to any number of subscribers, after persisting them.
///
/// A subscriber first receives the job's whole history, then live events, in sequence
/// order, without gaps or repeats, and its stream ends after the final event (completed,
/// failed, cancelled). The store numbers events (`JobStore.appendEvent`), so events written
/// by other nodes of a shared store fit in: a published event that skips numbers brings the
/// missing ones from the store first, and `catchUp` (which the scheduler calls when the store
/// is shared: on a notification, and at every poll) delivers what other nodes wrote. The hub keeps the
/// events delivered so far only for jobs that have subscribers; a subscriber that arrives
/// later — even after a restart, or on another node — reads the history from the store.
///
/// Publishing and subscribing take turns (one at a time, in arrival order), so a subscriber
/// never reads a history that misses an event being saved. Nothing is stored after a job's
/// final event, nor from a run that lost its lease: such an event is dropped.
///
/// Audio chunks (for streaming responses) are live only, in this process: `listenForAudio`
/// must be called before the job starts, and a job that runs on another node sends none
/// (its listeners end with the job, and streamed speech then sends the whole result:
/// `JobOutputs.master(of:)`).
///
/// Every buffer is bounded: a subscriber or listener that falls `bufferLimit` items behind
/// is cut off — its stream ends after what it already holds (a prefix, never a stream with
/// a hole) — and the job goes on. A cut-off event subscriber can subscribe again and skip
/// what it has (SSE clients do so with `Last-Event-ID`).
public actor ProgressHub {
    private let store: any JobStore
    private let log: @Sendable (String) -> Void
    /// Most items a subscriber or audio listener may have waiting before it is cut off.
    public let bufferLimit: Int
    /// How many subscribers and listeners were cut off for falling behind.
    public private(set) var cutOffCount = 0
    /// Events delivered so far, per job with subscribers.
    private var history: [JobID: [JobEvent]] = [:]
    private var subscribers: [JobID: [UUID: AsyncStream<JobEvent>.Continuation]] = [:]
    private var audioListeners: [JobID: [UUID: AsyncStream<AudioBuffer>.Continuation]] = [:]
    /// Publishing and subscribing take turns through it.
    private let turns = AsyncTurnstile()
    /// Subscriptions reading their job's history now, per job.
    private var subscribing: [JobID: Int] = [:]

    /// A hub persisting into `store`; `log` receives persistence failures; `bufferLimit`
    /// bounds what each subscriber and listener may have waiting.
    public init(store: any JobStore, bufferLimit: Int = 1024, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.bufferLimit = max(1, bufferLimit)
        self.log = log
    }

    /// Persists the event (the store numbers it) and delivers it to subscribers; with a
    /// `lease`, only while that run's lease is current. An event that is not kept — after the
    /// job's final event, or from a run that lost its lease — is dropped (returned unnumbered).
    /// When the store cannot be written, subscribers here still hear the event, numbered
    /// after what they have.
    @discardableResult
    public func publish(_ event: JobEvent, lease: Int64?) async -> JobEvent {
        await turns.enter()
        defer { turns.leave() }
        let id = event.jobID
        let stored: JobEvent?
        do {
            stored = try await store.appendEvent(event, lease: lease)
        } catch {
            log("could not persist a \(event.kind.rawValue) event of job \(id): \(error)")
            guard let seen = history[id], seen.last?.kind.isFinal != true else { return event }
            var local = event
            local.sequence = (seen.last?.sequence ?? 0) + 1
            deliver([local], of: id)
            return local
        }
        guard let stored else {
            log("dropped a \(event.kind.rawValue) event of job \(id): the job ended already, or this run lost its lease")
            return event
        }
        guard let seen = history[id] else {
            if stored.kind.isFinal { endAudio(of: id) }
            return stored
        }
        let last = seen.last?.sequence ?? 0
        var fresh = [stored]
        if stored.sequence > last + 1,
            let missing = try? await store.events(for: id, after: last),
            missing.contains(where: { $0.sequence == stored.sequence })
        {
            fresh = missing  // other nodes wrote events in between
        }
        deliver(fresh, of: id)
        return stored
    }

    /// Delivers the events other nodes stored since the last ones delivered here, for every
    /// job with subscribers, and ends the audio listeners of jobs that ended elsewhere. False
    /// when the store could not be read (try again soon: nothing else may ask).
    @discardableResult
    public func catchUp() async -> Bool {
        await turns.enter()
        defer { turns.leave() }
        var complete = true
        let cursors = history.mapValues { $0.last?.sequence ?? 0 }
        if !cursors.isEmpty {
            if let fresh = try? await store.events(after: cursors) {
                for (id, events) in fresh { deliver(events, of: id) }
            } else {
                complete = false
            }
        }
        for id in audioListeners.keys where history[id] == nil {
            do {
                if let job = try await store.job(id), job.status.isFinal { endAudio(of: id) }
            } catch {
                complete = false
            }
        }
        return complete
    }

    /// Hands `events` (in order, numbered after those delivered) to the job's subscribers,
    /// skipping any already delivered; the final one ends every stream of the job.
    private func deliver(_ events: [JobEvent], of id: JobID) {
        for event in events {
            guard let seen = history[id] else { return }
            if let last = seen.last, event.sequence <= last.sequence { continue }
            history[id]?.append(event)
            for (token, continuation) in subscribers[id] ?? [:] {
                if case .dropped = continuation.yield(event) {
                    subscribers[id]?[token] = nil
                    continuation.finish()
                    cutOffCount += 1
                    log("cut off a subscriber of job \(id) that fell \(bufferLimit) events behind")
                }
            }
            if event.kind.isFinal {
                for continuation in subscribers.removeValue(forKey: id)?.values ?? [:].values { continuation.finish() }
                endAudio(of: id)
                history[id] = nil
                return
            }
        }
        if subscribers[id]?.isEmpty ?? true {
            subscribers[id] = nil
            history[id] = nil
        }
    }

    private func endAudio(of id: JobID) {
        for continuation in audioListeners.removeValue(forKey: id)?.values ?? [:].values { continuation.finish() }
    }

    /// The job's events: history first, then live ones; ends after the final event, or
    /// right after the history when `jobIsFinal` (the job ended without a final event on record).
    public func subscribe(to id: JobID, jobIsFinal: Bool) async throws -> AsyncStream<JobEvent> {
        await turns.enter()
        defer { turns.leave() }
        let events: [JobEvent]
        if let live = history[id] {
            events = live
        } else {
            // Followed from now on: an event stored after this read began is caught up.
            subscribing[id, default: 0] += 1
            defer {
                subscribing[id]? -= 1
                if subscribing[id] == 0 { subscribing[id] = nil }
            }
            events = try await store.events(for: id)
        }
        // The history is delivered whole (it is bounded by the job's own length); live events
        // are counted against `bufferLimit` on top of it.
        let (stream, continuation) = AsyncStream.makeStream(
            of: JobEvent.self, bufferingPolicy: .bufferingOldest(events.count + bufferLimit))
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

    /// Live audio chunks of a job, in order; ends with the job's final event (or early,
    /// when the listener falls `bufferLimit` chunks behind or `stopListeningForAudio` is called).
    public func listenForAudio(to id: JobID) -> AsyncStream<AudioBuffer> {
        let (stream, continuation) = AsyncStream.makeStream(of: AudioBuffer.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        let token = UUID()
        audioListeners[id, default: [:]][token] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.stopListening(id, token) }
        }
        return stream
    }

    /// Delivers a chunk of a job's audio to its listeners.
    public func publishAudio(_ chunk: AudioBuffer, of id: JobID) {
        for (token, continuation) in audioListeners[id] ?? [:] {
            if case .dropped = continuation.yield(chunk) {
                stopListening(id, token)
                continuation.finish()
                cutOffCount += 1
                log("cut off an audio listener of job \(id) that fell \(bufferLimit) chunks behind")
            }
        }
    }

    /// Ends and removes every audio listener of job `id` (its request was refused or gave up).
    public func stopListeningForAudio(to id: JobID) {
        for continuation in audioListeners.removeValue(forKey: id)?.values ?? [:].values { continuation.finish() }
    }

    /// Number of open audio listeners (for metrics and tests).
    public func audioListenerCount() -> Int { audioListeners.values.reduce(0) { $0 + $1.count } }

    /// Whether anyone listens for the job's audio.
    public func hasAudioListeners(_ id: JobID) -> Bool { !(audioListeners[id]?.isEmpty ?? true) }

    /// Jobs that have at least one event subscriber.
    public func subscribedJobIDs() -> [JobID] { Array(subscribers.keys) }

    /// Whether the job has event subscribers (or one reading its history) or audio
    /// listeners here.
    public func follows(_ id: JobID) -> Bool { history[id] != nil || subscribing[id] != nil || audioListeners[id] != nil }

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
        if subscribers[id]?.isEmpty == true {
            subscribers[id] = nil
            history[id] = nil
        }
    }

    private func stopListening(_ id: JobID, _ token: UUID) {
        audioListeners[id]?[token] = nil
        if audioListeners[id]?.isEmpty == true { audioListeners[id] = nil }
    }
}
