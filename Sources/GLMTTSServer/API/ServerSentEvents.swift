import AsyncAlgorithms
import Foundation
import GLMTTSEngine
import GLMTTSService
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

    /// The comment that ends a stream whose reader was cut off for falling behind.
    static let cutOffNotice = ": cut off: this client fell behind; reconnect with Last-Event-ID to resume\n\n"

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
    /// Messages are made only as fast as the client reads them (`AsyncChannel`: each send
    /// waits for the writer), so replaying a long history never overruns anything. The one
    /// buffer is the hub's, bounded by `ProgressHub.bufferLimit` live events: a reader so slow
    /// that more pile up there is cut off by the hub — it gets what it already holds (a
    /// gap-free prefix of the events), then a `: cut off` comment and the end of the stream,
    /// and resumes by reconnecting with `Last-Event-ID` (which `EventSource` does by itself).
    /// The job is never held up.
    static func stream<Payload: Encodable & Sendable>(
        _ events: AsyncStream<JobEvent>, after: Int, keepAlive: Double,
        render: @escaping @Sendable (JobEvent) -> (String?, Payload)
    ) -> HTTPBody {
        pumped(keepAlive: keepAlive) { send in
            var ended = false
            for await event in events where event.sequence > after {
                let (name, data) = render(event)
                await send(message(id: event.sequence, event: name, data: data))
                ended = event.kind.isFinal
            }
            // The subscription ended before the final event: the hub cut this reader off.
            if !ended && !Task.isCancelled { await send(cutOffNotice) }
        }
    }

    /// A body of the messages `produce` sends (after a `retry:` line, with a `: keep-alive`
    /// comment every `keepAlive` seconds), made only as fast as the client reads them; it
    /// ends when `produce` returns, and `produce` is cancelled when the client goes away.
    static func pumped(
        keepAlive: Double, produce: @escaping @Sendable (_ send: @Sendable (String) async -> Void) async -> Void
    ) -> HTTPBody {
        let channel = AsyncChannel<ArraySlice<UInt8>>()
        let pump = Task {
            await channel.send(ArraySlice("retry: 2000\n\n".utf8))
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(max(0.05, keepAlive)))
                        if Task.isCancelled { break }
                        await channel.send(ArraySlice(": keep-alive\n\n".utf8))
                    }
                }
                await produce { await channel.send(ArraySlice($0.utf8)) }
                group.cancelAll()
            }
            channel.finish()
        }
        return HTTPBody(PumpedBody(channel: channel, pump: PumpHandle(pump)), length: .unknown, iterationBehavior: .single)
    }

    /// Cancels the pump when the body is dropped (the client went away and the server
    /// stopped reading), so its subscription to the hub ends at once.
    private final class PumpHandle: Sendable {
        let task: Task<Void, Never>
        init(_ task: Task<Void, Never>) { self.task = task }
        deinit { task.cancel() }
    }

    /// The channel as a body, holding the pump's handle for as long as it is read.
    private struct PumpedBody: AsyncSequence, Sendable {
        typealias Element = ArraySlice<UInt8>
        let channel: AsyncChannel<ArraySlice<UInt8>>
        let pump: PumpHandle

        func makeAsyncIterator() -> Iterator { Iterator(base: channel.makeAsyncIterator(), pump: pump) }

        struct Iterator: AsyncIteratorProtocol {
            var base: AsyncChannel<ArraySlice<UInt8>>.Iterator
            let pump: PumpHandle

            mutating func next() async -> ArraySlice<UInt8>? {
                guard !Task.isCancelled else {
                    pump.task.cancel()
                    return nil
                }
                return await base.next()
            }
        }
    }
}
