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

    /// One SSE message: `id`, `event` and one `data` line of JSON.
    static func message(id: Int?, event: String, data: some Encodable) -> String {
        let json = (try? encoder.encode(data)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        var text = ""
        if let id { text += "id: \(id)\n" }
        return text + "event: \(event)\ndata: \(json)\n\n"
    }

    /// A body streaming `events` with sequence above `after`, as `name`/`data` pairs from
    /// `render`, with a `: keep-alive` comment every `keepAlive` seconds; it ends after the
    /// last event, and stops reading `events` when the client goes away.
    static func stream<Payload: Encodable & Sendable>(
        _ events: AsyncStream<JobEvent>, after: Int, keepAlive: Double,
        render: @escaping @Sendable (JobEvent) -> (String, Payload)
    ) -> HTTPBody {
        let (bytes, continuation) = AsyncStream.makeStream(of: ArraySlice<UInt8>.self, bufferingPolicy: .bufferingNewest(1024))
        continuation.yield(ArraySlice("retry: 2000\n\n".utf8))
        let keepAliveTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(0.05, keepAlive)))
                if Task.isCancelled { break }
                continuation.yield(ArraySlice(": keep-alive\n\n".utf8))
            }
        }
        let forward = Task {
            for await event in events where event.sequence > after {
                let (name, data) = render(event)
                continuation.yield(ArraySlice(message(id: event.sequence, event: name, data: data).utf8))
            }
            keepAliveTask.cancel()
            continuation.finish()
        }
        continuation.onTermination = { _ in
            forward.cancel()
            keepAliveTask.cancel()
        }
        return HTTPBody(bytes, length: .unknown, iterationBehavior: .single)
    }
}
