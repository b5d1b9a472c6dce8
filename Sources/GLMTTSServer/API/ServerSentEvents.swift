import Foundation
import GLMTTSCore
import OpenAPIRuntime

/// Encodes progress events as a `text/event-stream` body.
enum ServerSentEvents {
    /// JSON for event data (dates as ISO 8601).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// One SSE message: `id`, `event` (omitted when nil: an unnamed event, which
    /// `EventSource.onmessage` receives) and one `data` line of JSON.
    static func message(id: Int?, event: String?, data: some Encodable) -> String {
        let json = (try? encoder.encode(data)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        return text + "data: \(json)\n\n"
    }

    /// A body streaming `events` with sequence above `after`, each as the event name (nil:
    /// unnamed) and data from `render`, with a `: keep-alive` comment every `keepAlive`
    /// seconds; it ends after the last event, and stops reading `events` when the client
    /// goes away.
    ///
    /// At most `bufferLimit` messages wait for the client. One that reads too slowly to keep
    /// up is cut off: it gets what is waiting, then a `: cut off` comment, then the end of
    /// the stream — a gap-free prefix of the events, never a stream with a hole — and
    /// resumes by reconnecting with `Last-Event-ID` (which `EventSource` does by itself).
    /// The job is not held up: the subscription is dropped at once. `onCutOff` is told.
    static func stream<Payload: Encodable & Sendable>(
        _ events: AsyncStream<JobEvent>, after: Int, keepAlive: Double, bufferLimit: Int,
        onCutOff: @escaping @Sendable () -> Void = {},
        render: @escaping @Sendable (JobEvent) -> (String?, Payload)
    ) -> HTTPBody {
        let (bytes, continuation) = AsyncStream.makeStream(of: ArraySlice<UInt8>.self,
                                                           bufferingPolicy: .bufferingOldest(max(2, bufferLimit) + 1))
        let outlet = BoundedOutlet(continuation, onCutOff: onCutOff)
        outlet.send("retry: 2000\n\n")
        let keepAliveTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(0.05, keepAlive)))
                if Task.isCancelled || !outlet.send(": keep-alive\n\n") { break }
            }
        }
        let forward = Task {
            for await event in events where event.sequence > after {
                let (name, data) = render(event)
                if !outlet.send(message(id: event.sequence, event: name, data: data)) {
                    // Cancelled, the next `next()` ends the subscription at once; a `break`
                    // would leave the hub feeding it until the job ends.
                    withUnsafeCurrentTask { $0?.cancel() }
                }
            }
            keepAliveTask.cancel()
            outlet.finish()
        }
        continuation.onTermination = { _ in
            forward.cancel()
            keepAliveTask.cancel()
        }
        return HTTPBody(bytes, length: .unknown, iterationBehavior: .single)
    }

    /// The writing end of an SSE body: refuses a message that would fill the buffer's last
    /// slot, puts the `: cut off` notice there instead and ends the stream.
    private final class BoundedOutlet: @unchecked Sendable {
        // @unchecked Sendable: `open` is read and written under `lock`; the continuation is Sendable.
        private let continuation: AsyncStream<ArraySlice<UInt8>>.Continuation
        private let lock = NSLock()
        private var open = true
        private let onCutOff: @Sendable () -> Void

        init(_ continuation: AsyncStream<ArraySlice<UInt8>>.Continuation, onCutOff: @escaping @Sendable () -> Void) {
            self.continuation = continuation
            self.onCutOff = onCutOff
        }

        /// Queues `text`; false once the stream has ended (the client left or was cut off).
        @discardableResult
        func send(_ text: String) -> Bool {
            lock.lock(); defer { lock.unlock() }
            guard open else { return false }
            switch continuation.yield(ArraySlice(text.utf8)) {
            case .enqueued(let remaining) where remaining >= 2:
                return true
            case .enqueued(let remaining) where remaining == 1:
                // The buffer's last slot is kept for the notice: the client is too far behind.
                continuation.yield(ArraySlice(": cut off: this client fell behind; reconnect with Last-Event-ID to resume\n\n".utf8))
                onCutOff()
                fallthrough
            default:
                open = false
                continuation.finish()
                return false
            }
        }

        /// Ends the stream (after what is queued).
        func finish() {
            lock.lock(); defer { lock.unlock() }
            open = false
            continuation.finish()
        }
    }
}
